// A store prefix ("cameras", "site-1/cameras") is made of the same safe path segments as camera names, so that it
// can go into keys, lifecycle filters and IAM ARNs as is.
import { CAMERA_RE } from "./playback/api.js";
import { normalizePrefix } from "./keys.js";

/** True for "" and for "/"-separated safe segments (leading and trailing "/" are ignored). */
export function isStorePrefix(prefix: string): boolean {
  const normal = normalizePrefix(prefix);
  return normal === "" || normal.split("/").every((segment) => CAMERA_RE.test(segment));
}
