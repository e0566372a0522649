// The copy limit of this machine, in WebAssembly: what any packetizer writing 188-byte TS packets into a ring
// can at best approach. Compiled by bench/build-floor.js (npx asc, --enable simd) to bench/.cache/copy-floor.wasm.
// All functions work on raw addresses the host chose; nothing is allocated here and the module has no data of
// its own: it is instantiated on the memory of the core it is compared with (--importMemory), so both copy
// from the same input area into the same ring. The 184-byte copy is the core's own (unrolled v128).
import { copyPayload184, copyShort } from "../assembly/copy";

const PACKET: u32 = 188;
const PAYLOAD: u32 = 184;

// Where the next chunk goes in the ring. The host calls reset() before each pass: the functions step
// differently, and a 188-stride function must not continue from a 1 MiB-stride position.
let writePos: u32 = 0;

export function reset(): void {
  writePos = 0;
}

/**
 * The bare copy floor for one frame of `len` bytes in place at `input`: its bytes go into the ring in 184-byte
 * chunks at a 188-byte stride (where TS payloads go), with no header bytes written; the last partial chunk
 * with the core's short copy (no call out of the module). One ring-end check per frame.
 */
export function bareFloorFrame(input: usize, ring: usize, ringBytes: u32, len: u32): void {
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
    copyShort(ring + writePos, src, rest);
    writePos += PACKET;
    if (writePos >= ringBytes) writePos = 0;
  }
}

/** bareFloorFrame for `count` frames (u32 lengths at `sizes`), each read from `input`: the source stays in cache. */
export function bareFloor(input: usize, ring: usize, ringBytes: u32, sizes: usize, count: u32): void {
  for (let f: u32 = 0; f < count; f++) bareFloorFrame(input, ring, ringBytes, load<u32>(sizes + (<usize>f << 2)));
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
