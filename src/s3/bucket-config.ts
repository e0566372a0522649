// Bucket configuration documents (?lifecycle, ?cors): read one, or replace it whole. S3 wants an integrity header
// on these PUTs (Content-MD5 or an x-amz-checksum-*): we send Content-MD5, which every S3-compatible store knows,
// and sign the body's SHA-256 as well.
import { createHash } from "node:crypto";
import type { S3Connection } from "./request.js";
import { S3ResponseError } from "./errors.js";
import { sha256Hex } from "./checksum.js";

export type BucketSubresource = "lifecycle" | "cors";

/** The error codes that mean "this bucket has no such document yet". */
const NONE_CODES: Record<BucketSubresource, string> = {
  lifecycle: "NoSuchLifecycleConfiguration",
  cors: "NoSuchCORSConfiguration",
};

/** The document, or undefined when the bucket has none. */
export async function getBucketConfig(conn: S3Connection, subresource: BucketSubresource): Promise<string | undefined> {
  try {
    const res = await conn.send({ method: "GET", query: { [subresource]: "" } });
    return res.body.toString("utf8");
  } catch (err) {
    if (err instanceof S3ResponseError && err.code === NONE_CODES[subresource]) return undefined;
    throw err;
  }
}

export async function putBucketConfig(conn: S3Connection, subresource: BucketSubresource, xml: string): Promise<void> {
  const body = [new TextEncoder().encode(xml)];
  await conn.send({
    method: "PUT",
    query: { [subresource]: "" },
    headers: { "content-type": "application/xml", "content-md5": createHash("md5").update(body[0]!).digest("base64") },
    body,
    payloadHash: sha256Hex(body),
  });
}
