// The S3 flags shared by `ipc-hls playlist` and `ipc-hls serve`, and credentials from the environment.
import { UsageError } from "./command.js";
import type { Credentials } from "../s3/signer.js";
import { checkCredentials } from "../credentials.js";
import { S3AuthError, S3NetworkError } from "../s3/errors.js";
import { InvalidEndpointError, parseEndpoint, type S3Location } from "../s3/endpoint.js";
import { S3Store } from "../store/s3-store.js";
import { encodeTags } from "../s3/tagging.js";
import { CONTAINERS, type Container } from "../core-types.js";

export const S3_FLAGS = {
  endpoint: { type: "string" },
  "path-style": { type: "boolean" },
  region: { type: "string" },
} as const;

/** What a recorder into a bucket takes besides the location: `push` and `record` share them. */
export const RECORDER_FLAGS = {
  bucket: { type: "string" },
  prefix: { type: "string" },
  ...S3_FLAGS,
  checksum: { type: "string" },
  tag: { type: "string", multiple: true },
  spill: { type: "string" },
  "spill-max": { type: "string" },
  "buffer-size": { type: "string" },
  "segment-duration": { type: "string" },
  container: { type: "string" },
  deadline: { type: "string" },
} as const;

/** --container ts|fmp4 (absent: the SDK's default). */
export function parseContainer(value: string | undefined): Container | undefined {
  if (value === undefined) return undefined;
  if (!(CONTAINERS as readonly string[]).includes(value)) throw new UsageError(`--container must be ${CONTAINERS.join(" or ")}, got ${JSON.stringify(value)}`);
  return value as Container;
}

/** --tag k=v, repeatable (push, record): S3's tag rules are checked here, before any request. */
export function parseTags(list: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad --tag ${JSON.stringify(item)}: use key=value`);
    tags[item.slice(0, eq)] = item.slice(eq + 1);
  }
  try {
    encodeTags(tags); // (S3's rules, checked before any request)
  } catch (err) {
    throw new UsageError(`bad --tag: ${(err as Error).message}`);
  }
  return tags;
}

export const S3_FLAGS_HELP = `  --endpoint <url>    S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)
  --path-style        put the bucket in the path (MinIO and most S3-compatible stores; automatic for an
                      endpoint that is an IP address or localhost)
  --region <name>     signing region (default: $AWS_REGION, else us-east-1)`;

/** The S3 location the flags describe; a bad --endpoint (credentials in it included) is a usage error, never echoed. */
export function s3Location(bucket: string, values: { endpoint?: string; "path-style"?: boolean; region?: string }): S3Location {
  if (values.endpoint !== undefined) {
    try {
      parseEndpoint(values.endpoint);
    } catch (err) {
      if (err instanceof InvalidEndpointError) throw new UsageError(`bad --endpoint: ${err.message}`);
      throw err;
    }
  }
  return {
    bucket,
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    endpoint: values.endpoint,
    forcePathStyle: values["path-style"] === true || undefined, // unset: chosen from the endpoint
  };
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read at each request (so a rotated token is seen). */
export function environmentCredentials(): () => Promise<Credentials> {
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    throw new UsageError("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)");
  }
  const read = (): Credentials => ({
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
  });
  try {
    checkCredentials(read());
  } catch (err) {
    const names = { accessKeyId: "AWS_ACCESS_KEY_ID", secretAccessKey: "AWS_SECRET_ACCESS_KEY", sessionToken: "AWS_SESSION_TOKEN" };
    throw new UsageError((err as Error).message.replace(/^(accessKeyId|secretAccessKey|sessionToken)\b/, (field) => names[field as keyof typeof names]));
  }
  return async () => read();
}

/** Parses --expires: whole seconds, 1..604800. */
export function parseExpires(text: string | undefined): number {
  if (text === undefined) return 3600;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > 604_800) {
    throw new UsageError(`bad --expires ${JSON.stringify(text)}: whole seconds from 1 to 604800 (7 days)`);
  }
  return value;
}

/**
 * Before recording from the command line: one listing request, so that a missing bucket, refused credentials or
 * an endpoint that does not answer give one clear line at once instead of failed uploads later. A role that may
 * only write (no s3:ListBucket) answers AccessDenied: that is not an error here, the uploads will tell.
 * (A camera does not do this: it must record while the network is down.)
 */
export async function checkBucket(location: S3Location, credentials: () => Promise<Credentials>, prefix: string): Promise<void> {
  const store = new S3Store({ location, credentials, timeoutMs: 10_000 });
  const where = store.description;
  let exists: boolean;
  try {
    exists = await store.probe(prefix);
  } catch (err) {
    if (err instanceof S3AuthError) throw new Error(`${where}: credentials refused (${err.code}): check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN`);
    if (err instanceof S3NetworkError) throw new Error(`${where}: cannot reach the store (${err.code || err.message})`);
    throw err;
  } finally {
    store.close();
  }
  if (!exists) throw new Error(`${where}: the bucket does not exist`);
}
