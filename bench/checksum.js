// @ts-check
// How much CPU does each upload integrity mode cost per 5 Mbps camera?
// Hashes 2-second segments (5 Mbps → 1.25 MB) with each implementation and reports MB/s and the share of one
// core needed to keep up with one camera. Usage: node bench/checksum.js [seconds per method, default 2]
import { createHash } from "node:crypto";
import * as zlib from "node:zlib";
import { Sha256 } from "@aws-crypto/sha256-js";
import { existsSync } from "node:fs";

const CAMERA_BYTES_PER_S = 5_000_000 / 8;
const SEGMENT = new Uint8Array(CAMERA_BYTES_PER_S * 2).map((_, i) => (i * 2654435761) >>> 24);
const seconds = Number(process.argv[2] ?? 2);

const methods = {
  "sha256 @aws-crypto/sha256-js (pure JS)": async (data) => {
    const h = new Sha256();
    h.update(data);
    await h.digest();
  },
  "sha256 node:crypto": (data) => createHash("sha256").update(data).digest(),
  ...(zlib.crc32 ? { "crc32 node:zlib": (data) => zlib.crc32(data) } : {}),
};
// The WASM core's table-driven CRC-32 (the fallback on Node < 20.15), when the package is built.
if (existsSync(new URL("../build/core.wasm", import.meta.url)) && existsSync(new URL("../dist/core.js", import.meta.url))) {
  const { MuxerCore } = await import("../dist/core.js");
  const core = await MuxerCore.create({ bufferSize: 4 * 1024 * 1024 });
  methods["crc32 WASM core (copied in)"] = (data) => core.crc32([data]);
}

console.log(`node ${process.version}, ${SEGMENT.byteLength} B segments (2 s of a 5 Mbps camera)`);
for (const [name, fn] of Object.entries(methods)) {
  await fn(SEGMENT); // warm up
  let bytes = 0;
  const start = process.cpuUsage();
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    await fn(SEGMENT);
    bytes += SEGMENT.byteLength;
  }
  const cpu = process.cpuUsage(start);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const mbPerS = bytes / cpuSeconds / 1e6;
  const percent = (CAMERA_BYTES_PER_S / (bytes / cpuSeconds)) * 100;
  console.log(`${name.padEnd(40)} ${mbPerS.toFixed(0).padStart(6)} MB/s per core  ${percent.toFixed(3).padStart(7)} % of one core per 5 Mbps camera`);
}
