// Body integrity for PutObject. Two modes, both verified by the store before it keeps the object:
//  - "sha256": the body's SHA-256 is part of the signature (x-amz-content-sha256). Costs a full SHA-256 pass.
//  - "crc32":  UNSIGNED-PAYLOAD plus x-amz-checksum-crc32 (base64, big-endian). The store recomputes the CRC and
//              keeps it with the object, so it can be checked again on download. About 10x cheaper than SHA-256.
// See bench/checksum.js for the measured cost per camera.
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";

export type ChecksumMode = "crc32" | "sha256";

/** CRC-32 (IEEE, as zlib) of the concatenation of `parts`. */
export type Crc32Function = (parts: readonly Uint8Array[]) => number;

type ZlibCrc32 = (data: Uint8Array, value?: number) => number;
// zlib.crc32 exists from Node 20.15 / 22.2 (the bundled @types/node predates it, hence the lookup by name).
const nodeCrc32 = (zlib as unknown as { crc32?: ZlibCrc32 }).crc32;

/** Node's zlib CRC-32 over several views, or undefined on a Node without it (then inject the core's crc32). */
export const zlibCrc32: Crc32Function | undefined = nodeCrc32
  ? (parts) => parts.reduce((crc, part) => nodeCrc32(part, crc), 0)
  : undefined;

/** Hex SHA-256 of the concatenation of `parts`, with node:crypto (native, fast on every board Node runs on). */
export function sha256Hex(parts: readonly Uint8Array[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

/** The value of x-amz-checksum-crc32: the CRC as 4 big-endian bytes, base64. */
export function crc32Base64(crc: number): string {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(crc >>> 0);
  return bytes.toString("base64");
}
