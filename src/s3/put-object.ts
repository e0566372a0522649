// PutObject: one signed attempt to store a whole object, with its integrity checksum, tags and user metadata.
// Retries are the uploader's business (src/uploader.ts), so that every attempt is signed afresh.
import type { S3Connection } from "./request.js";
import { UNSIGNED_PAYLOAD } from "./request.js";
import { crc32Base64, sha256Hex, zlibCrc32, type ChecksumMode, type Crc32Function } from "./checksum.js";

export interface PutObjectOptions {
  /** How the store verifies the body. Default "crc32". */
  checksum?: ChecksumMode;
  /** CRC-32 to use in "crc32" mode when node:zlib has none (e.g. the core's MuxerCore.crc32). */
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
    const crc32 = options.crc32 ?? zlibCrc32;
    if (!crc32) throw new Error("crc32 checksum mode needs Node >= 20.15 or a crc32 function (e.g. the core's)");
    checksumCrc32 = crc32Base64(crc32(body));
    headers["x-amz-checksum-crc32"] = checksumCrc32;
    payloadHash = UNSIGNED_PAYLOAD;
  }
  const res = await conn.send({ method: "PUT", key, headers, body, payloadHash, signal: options.signal });
  const etag = res.headers.etag;
  return { etag: Array.isArray(etag) ? etag[0] : etag, checksumCrc32 };
}
