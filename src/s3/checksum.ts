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
// IPC_HLS_NO_ZLIB_CRC32=1 makes a newer Node behave like an older one (tests of the fallback).
const nodeCrc32 = process.env.IPC_HLS_NO_ZLIB_CRC32 ? undefined : (zlib as unknown as { crc32?: ZlibCrc32 }).crc32;

/** Node's zlib CRC-32 over several views, or undefined on a Node without it (then crc32Parts uses jsCrc32). */
export const zlibCrc32: Crc32Function | undefined = nodeCrc32
  ? (parts) => parts.reduce((crc, part) => nodeCrc32(part, crc), 0)
  : undefined;

/** CRC-32 of bytes anywhere (zlib's where Node has it): what crc32 mode uses unless given another function. */
export const crc32Parts: Crc32Function = zlibCrc32 ?? ((parts) => parts.reduce((crc, part) => jsCrc32(crc, part), 0));

/** The reflected IEEE table (polynomial 0xEDB88320), one entry per byte value. */
const IEEE_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/**
 * Continues an IEEE CRC-32 (start with 0) over `data`, a byte at a time in plain JS: for Node < 20.15, on data
 * outside the core's memory (a spilled segment read from disk). About 0.3-0.5 GB/s: a 5 Mbps camera's
 * segment in a few milliseconds.
 */
export function jsCrc32(crc: number, data: Uint8Array): number {
  let c = ~crc;
  for (let i = 0; i < data.length; i++) c = IEEE_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

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
