// `ipc-hls bucket init`: what every user must otherwise do by hand before the first recording. Creates the bucket
// if missing, sets the retention (a lifecycle rule expiring the prefix after N days) and the CORS rule of the
// replay page, and prints least-privilege IAM policies for the cameras and the viewers. Running it again changes
// nothing that is already as asked; rules of other prefixes and tools are kept.
import { createHash } from "node:crypto";
import { UsageError, parseCommandArgs, type Command } from "./command.js";
import { S3_FLAGS, S3_FLAGS_HELP, environmentCredentials, s3Location } from "./s3-flags.js";
import { S3Connection } from "../s3/request.js";
import { describeLocation } from "../s3/endpoint.js";
import { S3AuthError, S3NetworkError, S3ResponseError } from "../s3/errors.js";
import { ensureBucket } from "../s3/create-bucket.js";
import { setExpirationRule, type ConfigChange } from "../s3/lifecycle.js";
import { setCorsRule } from "../s3/cors.js";
import { cameraPolicy, iotCameraPolicy, viewerPolicy, type PolicyTarget } from "../iam-policies.js";
import { normalizePrefix } from "../keys.js";
import { isStorePrefix } from "../store-prefix.js";

const help = `Usage: ipc-hls bucket init --bucket <name> [--prefix <prefix>] [--retention-days <n>] [--cors <origin>] [options]

Sets up a bucket for recordings: creates it if missing, expires the recordings under the prefix after N days
(a lifecycle rule; the bucket's other rules are kept), lets the replay page's origin GET the segments (a CORS
rule), and prints least-privilege IAM policies for a camera, for a camera using the AWS IoT credentials provider,
and for a viewer (replay server, Lambda). Safe to run again. Credentials come from the environment:
AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and, for temporary credentials, AWS_SESSION_TOKEN.

Options:
  --bucket <name>           the bucket (required)
  --prefix <prefix>         the store prefix the cameras record under, e.g. cameras (default: the whole bucket)
  --retention-days <n>      delete recordings n days after they were made (default: keep them)
  --cors <origin>           origin of the replay page, e.g. https://cameras.example.com (repeatable, or *)
${S3_FLAGS_HELP}

Examples:
  ipc-hls bucket init --bucket my-recordings --prefix cameras --retention-days 30 --cors https://cameras.example.com --region eu-west-1
  ipc-hls bucket init --bucket rec --retention-days 7 --endpoint http://127.0.0.1:9000 --path-style`;

/** The ID of our rules: a later run finds and replaces them by it. */
const CORS_RULE_ID = "ipc-hls-replay";
const CORS_MAX_AGE_SECONDS = 3600;

export function retentionRuleId(prefix: string): string {
  const id = `ipc-hls-retention${prefix ? `:${prefix}/` : ""}`;
  // IDs are at most 255 characters; a very long prefix is named by its hash instead.
  return id.length <= 255 ? id : `ipc-hls-retention:${createHash("sha256").update(prefix).digest("hex")}`;
}

export const command: Command = {
  name: "bucket",
  summary: "set up a bucket: create it, retention, CORS for the replay page; print IAM policies",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      bucket: { type: "string" },
      prefix: { type: "string" },
      "retention-days": { type: "string" },
      cors: { type: "string", multiple: true },
      ...S3_FLAGS,
    });
    if (positionals.length !== 1 || positionals[0] !== "init") throw new UsageError("usage: ipc-hls bucket init --bucket <name> [options] (see --help)");
    const bucket = values.bucket;
    if (!bucket) throw new UsageError("--bucket is required");
    const rawPrefix = values.prefix ?? "";
    if (!isStorePrefix(rawPrefix)) throw new UsageError(`bad --prefix ${JSON.stringify(rawPrefix)}: "/"-separated names of letters, digits, . _ : - (e.g. cameras)`);
    const prefix = normalizePrefix(rawPrefix);
    const retentionDays = parseRetentionDays(values["retention-days"]);
    const origins = (values.cors ?? []).map(parseOrigin);
    const location = s3Location(bucket, values);
    const conn = new S3Connection({ location, credentials: environmentCredentials(), timeoutMs: 10_000 });
    const where = describeLocation(location);
    const out = (line: string) => process.stdout.write(line + "\n");
    let complete = true;
    try {
      out(`bucket ${bucket}: ${(await ensureBucket(conn)) === "created" ? "created" : "exists"}`);
      const scope = prefix ? `objects under ${prefix}/` : `every object in the bucket`;
      if (retentionDays === undefined) {
        out("retention: not set (recordings are kept until deleted; see --retention-days)");
      } else {
        const result = await unlessNotImplemented(() => setExpirationRule(conn, { id: retentionRuleId(prefix), prefix: prefix ? `${prefix}/` : "", days: retentionDays }));
        if (result === "not-implemented") {
          complete = false;
          out("retention: lifecycle rules not supported by this store: set the retention with its own tools");
        } else {
          out(`retention: ${scope} expire ${retentionDays} day${retentionDays === 1 ? "" : "s"} after they were made (${describe(result)})`);
        }
      }
      if (origins.length > 0) {
        const result = await unlessNotImplemented(() => setCorsRule(conn, { id: CORS_RULE_ID, origins, maxAgeSeconds: CORS_MAX_AGE_SECONDS }));
        if (result === "not-implemented") {
          out("cors: CORS not supported by this store: allow GET and HEAD from the replay page's origin in the store's own settings");
        } else {
          out(`cors: GET and HEAD allowed from ${origins.join(", ")} (${describe(result)})`);
        }
      }
    } catch (err) {
      throw setupError(err, where);
    } finally {
      conn.close();
    }
    const target: PolicyTarget = { bucket, prefix, region: location.region };
    const keys = prefix ? `${prefix}/` : "the bucket";
    out("");
    out(`IAM policy for a camera (uploads under ${keys} only):`);
    out(JSON.stringify(cameraPolicy(target), null, 2));
    out("");
    out(`IAM policy for cameras using the AWS IoT credentials provider (each thing under ${prefix ? `${prefix}/` : ""}<thing name>/ only):`);
    out(JSON.stringify(iotCameraPolicy(target), null, 2));
    out("");
    out(`IAM policy for a viewer: replay server, Lambda (lists and reads ${keys}):`);
    out(JSON.stringify(viewerPolicy(target), null, 2));
    return complete ? 0 : 1;
  },
};

function describe(change: ConfigChange): string {
  return change === "unchanged" ? "already set" : change === "added" ? "rule added" : "rule updated";
}

/** Runs a bucket configuration call; "not-implemented" when the store does not have that API (501 NotImplemented). */
async function unlessNotImplemented<T>(call: () => Promise<T>): Promise<T | "not-implemented"> {
  try {
    return await call();
  } catch (err) {
    if (err instanceof S3ResponseError && (err.code === "NotImplemented" || err.status === 501)) return "not-implemented";
    throw err;
  }
}

function parseRetentionDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const days = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(Number.isSafeInteger(days) && days >= 1)) throw new UsageError(`bad --retention-days ${JSON.stringify(text)}: a whole number of days, at least 1`);
  return days;
}

function parseOrigin(text: string): string {
  if (text === "*") return text;
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    /* reported below */
  }
  if (!url || (url.protocol !== "https:" && url.protocol !== "http:") || url.origin !== text) {
    throw new UsageError(`bad --cors ${JSON.stringify(text)}: give the page's origin, scheme://host[:port] without a path (e.g. https://cameras.example.com), or *`);
  }
  return text;
}

/** One clear line for the usual failures; credentials never appear (S3 error messages carry none). */
function setupError(err: unknown, where: string): Error {
  if (err instanceof S3AuthError) return new Error(`${where}: credentials refused (${err.code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN`);
  if (err instanceof S3ResponseError && err.code === "AccessDenied") return new Error(`${where}: access denied: ${err.message}`);
  if (err instanceof S3NetworkError) return new Error(`${where}: cannot reach the store (${err.code || err.message})`);
  return err instanceof Error ? new Error(`${where}: ${err.message}`) : new Error(String(err));
}
