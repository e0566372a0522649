// PutObject: one signed attempt to store a whole object, with its integrity checksum, tags and user metadata.
// Retries are the uploader's business (src/uploader.ts), so that every attempt is signed afresh.
import type { S3Connection } from "./request.js";
import { UNSIGNED_PAYLOAD, headerValue } from "./request.js";
import { crc32Base64, crc32Parts, sha256Hex, type ChecksumMode, type Crc32Function } from "./checksum.js";
import { S3ResponseTooLargeError, S3UnexpectedAnswerError } from "./errors.js";

export interface PutObjectOptions {
  /** How the store verifies the body. Default "crc32". */
  checksum?: ChecksumMode;
  /** CRC-32 to use in "crc32" mode instead of crc32Parts (e.g. the core's MuxerCore.crc32, for views into its memory). */
  crc32?: Crc32Function;
  /** x-amz-tagging value, already encoded by encodeTags(). */
  tagging?: string;
  /** User metadata: names without the x-amz-meta- prefix, lower case; values printable ASCII. */
  metadata?: Record<string, string>;
  contentType?: string;
  signal?: AbortSignal;
}

export class InvalidMetadataError extends Error {
  override name = "InvalidMetadataError";
}

export interface PutObjectResult {
  etag?: string;
  /** The CRC-32 sent (crc32 mode), base64. */
  checksumCrc32?: string;
}

export async function putObject(
  conn: S3Connection,
  key: string,
  body: readonly Uint8Array[],
  options: PutObjectOptions = {},
): Promise<PutObjectResult> {
  const headers: Record<string, string> = { "content-type": options.contentType ?? "application/octet-stream" };
  for (const [name, value] of Object.entries(options.metadata ?? {})) {
    if (!/^[a-z0-9-]+$/.test(name)) throw new InvalidMetadataError(`metadata name ${JSON.stringify(name)}: use a-z, 0-9 and -`);
    if (!/^[\x20-\x7e]*$/.test(value)) throw new InvalidMetadataError(`metadata ${name}: the value must be printable ASCII`);
    headers[`x-amz-meta-${name}`] = value;
  }
  if (options.tagging) headers["x-amz-tagging"] = options.tagging;

  let payloadHash: string;
  let checksumCrc32: string | undefined;
  if ((options.checksum ?? "crc32") === "sha256") {
    payloadHash = sha256Hex(body);
  } else {
    checksumCrc32 = crc32Base64((options.crc32 ?? crc32Parts)(body));
    headers["x-amz-checksum-crc32"] = checksumCrc32;
    payloadHash = UNSIGNED_PAYLOAD;
  }
  const res = await conn.send({ method: "PUT", key, headers, body, payloadHash, signal: options.signal }).catch((err: unknown) => {
    // S3 answers a PUT with an empty body: a long one is someone else's page (a portal), retried like a 5xx.
    if (err instanceof S3ResponseTooLargeError) throw new S3UnexpectedAnswerError(err.status, "", `${err.message}: not an S3 answer`);
    throw err;
  });
  // A 2xx is not proof: S3 answers a stored object with its ETag (and the checksum it verified). A captive portal
  // or a misconfigured proxy answers 200 with a page of its own; then the object is not stored.
  const etag = headerValue(res.headers.etag);
  const what = `PUT ${key} answered HTTP ${res.status}`;
  if (!etag || /^text\/html/i.test(headerValue(res.headers["content-type"]) ?? "")) {
    throw new S3UnexpectedAnswerError(res.status, "", `${what} without an ETag: not an S3 answer (a captive portal or proxy?)`);
  }
  // (A store that does not echo the checksum is accepted: not every S3-compatible store does.)
  const echoed = headerValue(res.headers["x-amz-checksum-crc32"]);
  if (checksumCrc32 && echoed !== undefined && echoed !== checksumCrc32) {
    throw new S3UnexpectedAnswerError(res.status, "", `${what} with x-amz-checksum-crc32 ${echoed}, not the ${checksumCrc32} sent`);
  }
  return { etag, checksumCrc32 };
}
