// The copy limit of this machine, in WebAssembly: what any packetizer writing 188-byte TS packets into a ring
// can at best approach. Compiled by bench/build-floor.js (npx asc, --enable simd) to bench/.cache/copy-floor.wasm.
// All functions work on raw addresses the host chose; nothing is allocated here. The 184-byte copy is the core's
// own (unrolled v128), so the floor and the packetizer copy payloads the same way.
import { copyPayload184 } from "../assembly/ts-writer";

const PACKET: u32 = 188;
const PAYLOAD: u32 = 184;

// Where the next chunk goes in the ring. The host calls reset() before each pass: the functions step
// differently, and a 188-stride function must not continue from a 1 MiB-stride position.
let writePos: u32 = 0;

export function reset(): void {
  writePos = 0;
}

/**
 * The bare copy floor: each frame (sizes: `count` u32 lengths at `sizes`) is already in place at `input`; its
 * bytes go into the ring in 184-byte chunks at a 188-byte stride (where TS payloads go), with no header bytes
 * written; the last partial chunk with memory.copy. One ring-end check per frame.
 */
export function bareFloor(input: usize, ring: usize, ringBytes: u32, sizes: usize, count: u32): void {
  for (let f: u32 = 0; f < count; f++) {
    let len = load<u32>(sizes + (<usize>f << 2));
    let src = input;
    let full = len / PAYLOAD;
    while (full > 0) {
      let run = (ringBytes - writePos) / PACKET;
      if (run > full) run = full;
      let d = ring + writePos;
      for (let i: u32 = 0; i < run; i++) {
        copyPayload184(d, src);
        d += PACKET;
        src += PAYLOAD;
      }
      writePos += run * PACKET;
      if (writePos >= ringBytes) writePos = 0;
      full -= run;
    }
    let rest = len % PAYLOAD;
    if (rest > 0) {
      memory.copy(ring + writePos, src, rest);
      writePos += PACKET;
      if (writePos >= ringBytes) writePos = 0;
    }
  }
}

/**
 * memory.copy of `chunk`-byte chunks at a 188-byte stride: with chunk 184, bareFloor's work done with memory.copy
 * (what the unrolled copy is compared with); with chunk 188, whole packets, contiguous.
 */
export function copyChunksAtStride(input: usize, ring: usize, ringBytes: u32, sizes: usize, count: u32, chunk: u32): void {
  for (let f: u32 = 0; f < count; f++) {
    let len = load<u32>(sizes + (<usize>f << 2));
    let src = input;
    let left = len;
    while (left > 0) {
      let n = left < chunk ? left : chunk;
      memory.copy(ring + writePos, src, n);
      writePos += PACKET;
      if (writePos >= ringBytes) writePos = 0;
      src += n;
      left -= n;
    }
  }
}

/** memory.copy of `chunk`-byte chunks (e.g. 1 MiB) from `src` into the ring, `total` bytes in all. */
export function copyChunks(src: usize, ring: usize, ringBytes: u32, chunk: u32, total: f64): void {
  let left = total;
  while (left > 0) {
    let n: u32 = left < <f64>chunk ? <u32>left : chunk;
    if (writePos + n > ringBytes) writePos = 0;
    memory.copy(ring + writePos, src, n);
    writePos += n;
    left -= <f64>n;
  }
}

/** Copies each frame of a stream laid end to end at `stream` into `input` (the copy-in the core's host does). */
export function copyIn(stream: usize, input: usize, sizes: usize, count: u32): void {
  let p = stream;
  for (let f: u32 = 0; f < count; f++) {
    let len = load<u32>(sizes + (<usize>f << 2));
    memory.copy(input, p, len);
    p += len;
  }
}
