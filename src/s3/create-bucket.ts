// Makes sure a bucket exists: HeadBucket first (an existing bucket needs no s3:CreateBucket permission), then
// CreateBucket, with the region as LocationConstraint everywhere but us-east-1 (which refuses it).
import type { S3Connection } from "./request.js";
import { S3ResponseError } from "./errors.js";
import { escapeXml } from "./xml.js";
import { sha256Hex } from "./checksum.js";

export type BucketState = "created" | "exists";

/** The bucket exists but cannot be used from here: another account's, or in another region. */
export class BucketUnavailableError extends Error {
  override name = "BucketUnavailableError";
}

const NS = "http://s3.amazonaws.com/doc/2006-03-01/";

export function createBucketXml(region: string): string | undefined {
  if (region === "us-east-1") return undefined;
  return `<CreateBucketConfiguration xmlns="${NS}"><LocationConstraint>${escapeXml(region)}</LocationConstraint></CreateBucketConfiguration>`;
}

export async function ensureBucket(conn: S3Connection): Promise<BucketState> {
  const { bucket, region } = conn.location;
  const head = await conn.sendRaw({ method: "HEAD" });
  if (head.status >= 200 && head.status < 300) return "exists";
  if (head.status === 301) {
    const actual = head.headers["x-amz-bucket-region"];
    throw new BucketUnavailableError(`bucket ${bucket} is in region ${actual ?? "another region"}, not ${region}: give --region ${actual ?? "<its region>"}`);
  }
  if (head.status === 403 || head.status === 400) {
    // A HEAD answer has no body to say why: ask again with a GET, whose error names the cause (a wrong secret,
    // an expired token, a missing permission). Should that one pass, the bucket is there and usable.
    try {
      await conn.send({ method: "GET", query: { location: "" } });
      return "exists";
    } catch (err) {
      if (err instanceof S3ResponseError && err.code === "AccessDenied") {
        throw new BucketUnavailableError(`bucket ${bucket}: access denied (it belongs to another account, or these credentials may not use it)`);
      }
      throw err;
    }
  }
  if (head.status !== 404) throw new BucketUnavailableError(`bucket ${bucket}: HEAD answered HTTP ${head.status}`);

  const xml = createBucketXml(region);
  const body = xml === undefined ? undefined : [new TextEncoder().encode(xml)];
  try {
    await conn.send({ method: "PUT", ...(body ? { body, payloadHash: sha256Hex(body), headers: { "content-type": "application/xml" } } : {}) });
  } catch (err) {
    // Made meanwhile by another run of ours: fine. Taken by someone else: bucket names are global.
    if (err instanceof S3ResponseError && err.code === "BucketAlreadyOwnedByYou") return "exists";
    if (err instanceof S3ResponseError && err.code === "BucketAlreadyExists") throw new BucketUnavailableError(`bucket name ${bucket} is taken by another account: choose another`);
    throw err;
  }
  return "created";
}
