// A store prefix ("cameras", "site-1/cameras") is made of the same safe path segments as camera names, so that it
// can go into keys, lifecycle filters and IAM ARNs as is.
import { CAMERA_RE, normalizePrefix } from "./keys.js";

/** True for "" and for "/"-separated safe segments (leading and trailing "/" are ignored). */
export function isStorePrefix(prefix: string): boolean {
  let normal: string;
  try {
    normal = normalizePrefix(prefix);
  } catch {
    return false; // (a ".." part, a control character…: never a store prefix)
  }
  return normal === "" || normal.split("/").every((segment) => CAMERA_RE.test(segment));
}
