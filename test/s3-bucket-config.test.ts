// The bucket documents `ipc-hls bucket init` sends (CreateBucketConfiguration, a lifecycle rule, a CORS rule) say
// the same as what the AWS SDK serializes for the same request; merging replaces only our rule (found by ID),
// keeps the others byte for byte, and reports "unchanged" when the rule is already as asked.
import { describe, it, expect } from "vitest";
import { S3Client, CreateBucketCommand, PutBucketCorsCommand, PutBucketLifecycleConfigurationCommand } from "@aws-sdk/client-s3";
import { createBucketXml } from "../src/s3/create-bucket.js";
import { mergeExpirationRule } from "../src/s3/lifecycle.js";
import { mergeCorsRule } from "../src/s3/cors.js";

/** The body the AWS SDK would send for a command (captured before it reaches the network). */
async function sdkBody(command: Parameters<S3Client["send"]>[0]): Promise<string> {
  let body = "";
  const client = new S3Client({
    region: "eu-west-1",
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-secret" },
    requestHandler: {
      handle: async (request: { body?: unknown }) => {
        body = typeof request.body === "string" ? request.body : Buffer.from(request.body as Uint8Array).toString("utf8");
        throw new Error("captured");
      },
    },
  });
  await expect(client.send(command)).rejects.toThrow("captured");
  return body;
}

/** An XML document as comparable text: no declaration, no namespaces, no whitespace between tags, and the children
 *  of each `sortIn` element in sorted order (S3 does not care about their order). */
function canonical(xml: string, sortIn: string): string {
  const flat = xml.replace(/<\?xml[^>]*\?>/, "").replace(/\s+xmlns="[^"]*"/g, "").replace(/>\s+</g, "><").trim();
  return flat.replace(new RegExp(`<${sortIn}>([\\s\\S]*?)</${sortIn}>`, "g"), (_, inner: string) => {
    const children = Array.from(inner.matchAll(/<([A-Za-z]+)>[\s\S]*?<\/\1>/g), (m) => m[0]).sort();
    return `<${sortIn}>${children.join("")}</${sortIn}>`;
  });
}

describe("bucket documents match the AWS SDK's", () => {
  it("CreateBucketConfiguration with a LocationConstraint, none in us-east-1", async () => {
    const sdk = await sdkBody(new CreateBucketCommand({ Bucket: "rec", CreateBucketConfiguration: { LocationConstraint: "eu-west-1" } }));
    expect(canonical(createBucketXml("eu-west-1")!, "CreateBucketConfiguration")).toBe(canonical(sdk, "CreateBucketConfiguration"));
    expect(createBucketXml("us-east-1")).toBeUndefined();
  });

  it("the expiration rule", async () => {
    const sdk = await sdkBody(
      new PutBucketLifecycleConfigurationCommand({
        Bucket: "rec",
        LifecycleConfiguration: { Rules: [{ ID: "ipc-hls-retention:a&b/", Filter: { Prefix: "a&b/" }, Status: "Enabled", Expiration: { Days: 30 } }] },
      }),
    );
    const ours = mergeExpirationRule(undefined, { id: "ipc-hls-retention:a&b/", prefix: "a&b/", days: 30 });
    expect(ours.change).toBe("added");
    expect(canonical(ours.xml, "Rule")).toBe(canonical(sdk, "Rule"));
  });

  it("the CORS rule", async () => {
    const sdk = await sdkBody(
      new PutBucketCorsCommand({
        Bucket: "rec",
        CORSConfiguration: {
          CORSRules: [{ ID: "ipc-hls-replay", AllowedOrigins: ["https://a.example", "http://127.0.0.1:8080"], AllowedMethods: ["GET", "HEAD"], AllowedHeaders: ["Range"], MaxAgeSeconds: 3600 }],
        },
      }),
    );
    const ours = mergeCorsRule(undefined, { id: "ipc-hls-replay", origins: ["https://a.example", "http://127.0.0.1:8080"], maxAgeSeconds: 3600 });
    expect(canonical(ours.xml, "CORSRule")).toBe(canonical(sdk, "CORSRule"));
  });
});

describe("merging into an existing configuration", () => {
  const foreignLifecycle =
    '<Rule><ID>logs</ID><Filter><And><Prefix>logs/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>';
  const existing = (ours: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${foreignLifecycle}${ours}</LifecycleConfiguration>`;
  const rule = { id: "ipc-hls-retention:cameras/", prefix: "cameras/", days: 30 };

  it("adds our rule after the others, keeping them byte for byte", () => {
    const merged = mergeExpirationRule(existing(""), rule);
    expect(merged.change).toBe("added");
    expect(merged.xml).toContain(foreignLifecycle);
  });

  it("replaces our rule by its ID; unchanged when it already says the same", () => {
    const once = mergeExpirationRule(existing(""), rule).xml;
    expect(mergeExpirationRule(once, rule)).toEqual({ xml: once, change: "unchanged" });
    const updated = mergeExpirationRule(once, { ...rule, days: 7 });
    expect(updated.change).toBe("updated");
    expect(updated.xml.match(/<ID>ipc-hls-retention:cameras\/<\/ID>/g)).toHaveLength(1);
    expect(updated.xml).toContain("<Days>7</Days>");
    expect(updated.xml).toContain(foreignLifecycle);
  });

  it("a rule with our ID that another tool disabled or narrowed is put back as asked", () => {
    const disabled = existing(`<Rule><ID>${rule.id}</ID><Filter><Prefix>cameras/</Prefix></Filter><Status>Disabled</Status><Expiration><Days>30</Days></Expiration></Rule>`);
    expect(mergeExpirationRule(disabled, rule).change).toBe("updated");
    const narrowed = existing(
      `<Rule><ID>${rule.id}</ID><Filter><And><Prefix>cameras/</Prefix><Tag><Key>a</Key><Value>b</Value></Tag></And></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>`,
    );
    expect(mergeExpirationRule(narrowed, rule).change).toBe("updated");
  });

  it("CORS: keeps other rules, replaces ours, unchanged whatever the origins' order", () => {
    const foreign = "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>PUT</AllowedMethod></CORSRule>";
    const corsRule = { id: "ipc-hls-replay", origins: ["https://a.example", "https://b.example"], maxAgeSeconds: 3600 };
    const once = mergeCorsRule(`<CORSConfiguration>${foreign}</CORSConfiguration>`, corsRule);
    expect(once.change).toBe("added");
    expect(once.xml).toContain(foreign);
    expect(mergeCorsRule(once.xml, { ...corsRule, origins: ["https://b.example", "https://a.example"] }).change).toBe("unchanged");
    const updated = mergeCorsRule(once.xml, { ...corsRule, origins: ["https://c.example"] });
    expect(updated.change).toBe("updated");
    expect(updated.xml).toContain(foreign);
    expect(updated.xml).not.toContain("https://a.example");
  });
});
