// Retention: one lifecycle rule that expires the objects under a prefix after N days. The bucket's other rules
// (other prefixes, other tools) are kept exactly as they are: the configuration is read, only the rule with our ID
// is replaced, and nothing is written when it already says what is asked.
import type { S3Connection } from "./request.js";
import { getBucketConfig, putBucketConfig } from "./bucket-config.js";
import { childText, elements, escapeXml } from "./xml.js";

export interface ExpirationRule {
  /** The rule's ID: how a later run finds it again. */
  id: string;
  /** Objects whose keys start with this expire ("" = the whole bucket). */
  prefix: string;
  days: number;
}

export type ConfigChange = "added" | "updated" | "unchanged";

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function expirationRuleXml(rule: ExpirationRule): string {
  return (
    `<Rule><ID>${escapeXml(rule.id)}</ID><Filter><Prefix>${escapeXml(rule.prefix)}</Prefix></Filter>` +
    `<Status>Enabled</Status><Expiration><Days>${rule.days}</Days></Expiration></Rule>`
  );
}

/** The configuration with `rule` in place of the rule of the same ID (or added), and what changed. */
export function mergeExpirationRule(existing: string | undefined, rule: ExpirationRule): { xml: string; change: ConfigChange } {
  const rules = existing === undefined ? [] : elements(existing, "Rule");
  const ours = rules.find((r) => childText(r, "ID") === rule.id);
  if (ours && isSameRule(ours, rule)) return { xml: existing!, change: "unchanged" };
  const others = rules.filter((r) => r !== ours);
  const xml = `<LifecycleConfiguration xmlns="${NS}">${others.join("")}${expirationRuleXml(rule)}</LifecycleConfiguration>`;
  return { xml, change: ours ? "updated" : "added" };
}

function isSameRule(xml: string, rule: ExpirationRule): boolean {
  const filter = elements(xml, "Filter")[0] ?? "";
  const expiration = elements(xml, "Expiration")[0] ?? "";
  return (
    childText(xml, "Status") === "Enabled" &&
    (childText(filter, "Prefix") ?? "") === rule.prefix &&
    !/<(And|Tag|ObjectSize)/.test(filter) &&
    childText(expiration, "Days") === String(rule.days)
  );
}

/** Reads the bucket's lifecycle configuration and puts `rule` into it. */
export async function setExpirationRule(conn: S3Connection, rule: ExpirationRule): Promise<ConfigChange> {
  const { xml, change } = mergeExpirationRule(await getBucketConfig(conn, "lifecycle"), rule);
  if (change !== "unchanged") await putBucketConfig(conn, "lifecycle", xml);
  return change;
}
