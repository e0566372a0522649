// Reads H.264 RBSP bits: the NAL payload is first copied without its emulation-prevention bytes
// (00 00 03 → 00 00) into a small scratch area, then read MSB first with Exp-Golomb codes.
// Reading past the end sets `bitsOverrun` and returns zeros, so a truncated header never traps.

const SCRATCH_BYTES: u32 = 1024;
const SCRATCH: usize = memory.data(1024 + 8);

let bitPos: u32 = 0;
let bitEnd: u32 = 0;
export let bitsOverrun: bool = false;

/** Loads up to 1 KiB of a NAL payload (after the header byte) for bit reading. */
export function bitsLoad(ptr: usize, len: u32): void {
  let n: u32 = 0;
  let zeros: u32 = 0;
  let end = ptr + len;
  while (ptr < end && n < SCRATCH_BYTES) {
    let b = load<u8>(ptr++);
    if (zeros >= 2 && b == 3) {
      zeros = 0;
      continue;
    }
    zeros = b == 0 ? zeros + 1 : 0;
    store<u8>(SCRATCH + n++, b);
  }
  bitPos = 0;
  bitEnd = n << 3;
  bitsOverrun = false;
}

export function readBit(): u32 {
  if (bitPos >= bitEnd) {
    bitsOverrun = true;
    return 0;
  }
  let b = (<u32>load<u8>(SCRATCH + (bitPos >>> 3)) >>> (7 - (bitPos & 7))) & 1;
  bitPos++;
  return b;
}

export function readBits(n: u32): u32 {
  let v: u32 = 0;
  for (let i: u32 = 0; i < n; i++) v = (v << 1) | readBit();
  return v;
}

export function skipBits(n: u32): void {
  bitPos += n;
  if (bitPos > bitEnd) bitsOverrun = true;
}

/** Unsigned Exp-Golomb ue(v). */
export function readUE(): u32 {
  let zeros: u32 = 0;
  while (readBit() == 0) {
    if (bitsOverrun || ++zeros > 31) {
      bitsOverrun = true;
      return 0;
    }
  }
  if (zeros == 0) return 0;
  return ((<u32>1 << zeros) - 1) + readBits(zeros);
}

/** Signed Exp-Golomb se(v). */
export function readSE(): i32 {
  let k = readUE();
  return k & 1 ? <i32>((k + 1) >>> 1) : -<i32>(k >>> 1);
}
