// Text output without managed strings: messages, the summary line and playlist lines are formatted into one
// static buffer that is written to a file descriptor when full or when the text ends.
import { writeAll, ERRNO_SUCCESS } from "./wasi-sys";

const CAPACITY: u32 = 4096;
const BUFFER: usize = memory.data(CAPACITY);
let used: u32 = 0;
let target: u32 = 2;
let failed: u16 = 0;

/** Starts text for `fd`. */
export function textTo(fd: u32): void {
  used = 0;
  target = fd;
  failed = 0;
}

/** Writes out what is buffered. Returns 0, or the first errno met since textTo. */
export function textEnd(): u16 {
  spill();
  return failed;
}

function spill(): void {
  if (used > 0 && failed == ERRNO_SUCCESS) failed = writeAll(target, BUFFER, used);
  used = 0;
}

export function byte(b: u32): void {
  if (used == CAPACITY) spill();
  store<u8>(BUFFER + used++, <u8>b);
}

export function bytes(from: usize, length: u32): void {
  for (let k: u32 = 0; k < length; k++) byte(load<u8>(from + k));
}

/** A string literal, as UTF-8. */
export function text(s: string): void {
  for (let k = 0; k < s.length; k++) {
    let c = <u32>s.charCodeAt(k);
    if (c < 0x80) byte(c);
    else if (c < 0x800) {
      byte(0xc0 | (c >> 6));
      byte(0x80 | (c & 0x3f));
    } else {
      // The literals are all in the basic multilingual plane (no surrogate pairs).
      byte(0xe0 | (c >> 12));
      byte(0x80 | ((c >> 6) & 0x3f));
      byte(0x80 | (c & 0x3f));
    }
  }
}

/** A whole number in decimal, zero-padded to at least `width` digits. */
export function decimal(n: u64, width: i32 = 1): void {
  let digits = memory.data(24);
  let count = 0;
  do {
    store<u8>(digits + count++, <u8>(48 + n % 10));
    n /= 10;
  } while (n > 0);
  for (let k = count; k < width; k++) byte(48);
  while (count > 0) byte(load<u8>(digits + --count));
}

/** scaled / 10^places with `places` decimals (scaled already rounded by the caller). */
export function fixed(scaled: u64, places: i32): void {
  let unit: u64 = 1;
  for (let k = 0; k < places; k++) unit *= 10;
  decimal(scaled / unit);
  if (places > 0) {
    byte(46);
    decimal(scaled % unit, places);
  }
}

export function hex2(n: u32): void {
  const DIGITS = "0123456789abcdef";
  byte(<u32>DIGITS.charCodeAt((n >> 4) & 15));
  byte(<u32>DIGITS.charCodeAt(n & 15));
}
