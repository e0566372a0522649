// ISO BMFF (ISO/IEC 14496-12) box writing into a linear scratch area: big-endian fields, and boxes whose size
// is patched when they close. The caller bounds the area (fmp4-writer.ts sizes it for the most it writes).

let at: usize = 0; // next byte to write
const OPEN_MAX: i32 = 16; // boxes nest at most this deep
const openStarts: usize = memory.data(16 * 8);
let depth: i32 = 0;

/** Starts writing at p. */
export function boxesAt(p: usize): void {
  at = p;
  depth = 0;
}

/** Where the next byte goes. */
export function boxCursor(): usize {
  return at;
}

export function put8(v: u32): void {
  store<u8>(at, <u8>v);
  at += 1;
}

export function put16(v: u32): void {
  store<u16>(at, bswap<u16>(<u16>v));
  at += 2;
}

export function put24(v: u32): void {
  put8(v >>> 16);
  put16(v & 0xffff);
}

export function put32(v: u32): void {
  store<u32>(at, bswap<u32>(v));
  at += 4;
}

export function put64(v: u64): void {
  store<u64>(at, bswap<u64>(v));
  at += 8;
}

export function zeros(n: u32): void {
  memory.fill(at, 0, n);
  at += n;
}

export function bytes(src: usize, n: u32): void {
  memory.copy(at, src, n);
  at += n;
}

/** A four-character code given as a 32-bit big-endian number, e.g. 0x6d6f6f66 for "moof". */
export function fourcc(code: u32): void {
  put32(code);
}

/** Opens a box: its size is written by closeBox. */
export function openBox(type: u32): void {
  if (depth < OPEN_MAX) store<usize>(openStarts + (<usize>depth << 3), at);
  depth++;
  put32(0);
  fourcc(type);
}

/** Opens a full box (version and flags after the type). */
export function openFullBox(type: u32, version: u32, flags: u32): void {
  openBox(type);
  put32((version << 24) | (flags & 0xffffff));
}

export function closeBox(): void {
  depth--;
  let start = load<usize>(openStarts + (<usize>depth << 3));
  store<u32>(start, bswap<u32>(<u32>(at - start)));
}

/** The 3x3 unity matrix of mvhd and tkhd. */
export function unityMatrix(): void {
  put32(0x00010000); put32(0); put32(0);
  put32(0); put32(0x00010000); put32(0);
  put32(0); put32(0); put32(0x40000000);
}
