// The S3 flags shared by `ipc-hls playlist` and `ipc-hls serve`, and credentials from the environment.
import { UsageError } from "./command.js";
import type { Credentials } from "../s3/signer.js";
import type { S3Location } from "../s3/endpoint.js";

export const S3_FLAGS = {
  endpoint: { type: "string" },
  "path-style": { type: "boolean" },
  region: { type: "string" },
} as const;

export const S3_FLAGS_HELP = `  --endpoint <url>    S3-compatible endpoint, e.g. http://127.0.0.1:9000 (default: AWS)
  --path-style        put the bucket in the path (MinIO and most S3-compatible stores)
  --region <name>     signing region (default: $AWS_REGION, else us-east-1)`;

export function s3Location(bucket: string, values: { endpoint?: string; "path-style"?: boolean; region?: string }): S3Location {
  return {
    bucket,
    region: values.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? "us-east-1",
    endpoint: values.endpoint,
    forcePathStyle: values["path-style"] === true,
  };
}

/** AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, read at each request (so a rotated token is seen). */
export function environmentCredentials(): () => Promise<Credentials> {
  if (!process.env.AWS_ACCESS_KEY_ID || !process.env.AWS_SECRET_ACCESS_KEY) {
    throw new UsageError("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials)");
  }
  return async () => ({
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "",
    sessionToken: process.env.AWS_SESSION_TOKEN || undefined,
  });
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
