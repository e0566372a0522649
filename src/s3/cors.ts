// The CORS rule that lets the replay page (served from another origin) fetch playlists' segments straight from the
// bucket: GET and HEAD from the given origins. Other CORS rules of the bucket are kept as they are; ours is found
// again by its ID.
import type { S3Connection } from "./request.js";
import { getBucketConfig, putBucketConfig } from "./bucket-config.js";
import { childText, elements, escapeXml } from "./xml.js";
import type { ConfigChange } from "./lifecycle.js";

export interface ReplayCorsRule {
  id: string;
  /** "https://site.example" (scheme, host and port only). */
  origins: string[];
  /** How long a browser may cache the preflight answer. */
  maxAgeSeconds: number;
}

const METHODS = ["GET", "HEAD"];
/** hls.js asks for byte ranges when a playlist says so; nothing else is needed. */
const HEADERS = ["Range"];
const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function corsRuleXml(rule: ReplayCorsRule): string {
  const list = (name: string, values: string[]) => values.map((v) => `<${name}>${escapeXml(v)}</${name}>`).join("");
  return (
    `<CORSRule><ID>${escapeXml(rule.id)}</ID>${list("AllowedOrigin", rule.origins)}${list("AllowedMethod", METHODS)}` +
    `${list("AllowedHeader", HEADERS)}<MaxAgeSeconds>${rule.maxAgeSeconds}</MaxAgeSeconds></CORSRule>`
  );
}

export function mergeCorsRule(existing: string | undefined, rule: ReplayCorsRule): { xml: string; change: ConfigChange } {
  const rules = existing === undefined ? [] : elements(existing, "CORSRule");
  const ours = rules.find((r) => childText(r, "ID") === rule.id);
  if (ours && isSameRule(ours, rule)) return { xml: existing!, change: "unchanged" };
  const others = rules.filter((r) => r !== ours);
  return { xml: `<CORSConfiguration xmlns="${NS}">${others.join("")}${corsRuleXml(rule)}</CORSConfiguration>`, change: ours ? "updated" : "added" };
}

function isSameRule(xml: string, rule: ReplayCorsRule): boolean {
  const values = (name: string) => elements(xml, name).map((e) => childText(e, name) ?? "").sort().join("\n");
  return (
    values("AllowedOrigin") === [...rule.origins].sort().join("\n") &&
    values("AllowedMethod") === [...METHODS].sort().join("\n") &&
    values("AllowedHeader") === [...HEADERS].sort().join("\n") &&
    childText(xml, "MaxAgeSeconds") === String(rule.maxAgeSeconds)
  );
}

export async function setCorsRule(conn: S3Connection, rule: ReplayCorsRule): Promise<ConfigChange> {
  const { xml, change } = mergeCorsRule(await getBucketConfig(conn, "cors"), rule);
  if (change !== "unchanged") await putBucketConfig(conn, "cors", xml);
  return change;
}
