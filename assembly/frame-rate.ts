// The frame-rate rules, once for every host: the text a user gives ("25", "29.97", "30000/1001") and the rates the
// core can time (lowest terms at most RATE_TERM_MAX, 0.1 to 1000 frames per second). The raw readers (SPS rates,
// the rate a host gives), the WASI command's --fps and the Node CLI's --fps (through index.ts parseFrameRate) use
// these.
import { RATE_TERM_MAX } from "./abi";

function gcd(a: u64, b: u64): u64 {
  while (b != 0) {
    let t = a % b;
    a = b;
    b = t;
  }
  return a;
}

// The last rate reducedRate accepted.
export let reducedNum: u64 = 0;
export let reducedDen: u64 = 0;

/** Reduces num/den; false (nothing set) unless both terms fit and the rate is 0.1 to 1000 frames per second. */
export function reducedRate(num: u64, den: u64): bool {
  if (num == 0 || den == 0) return false;
  let g = gcd(num, den);
  num /= g;
  den /= g;
  if (num > RATE_TERM_MAX || den > RATE_TERM_MAX || num * 10 < den || num > den * 1000) return false;
  reducedNum = num;
  reducedDen = den;
  return true;
}

// The last decimal parsed: "digits[.digits]" as an integer mantissa and a count of fraction digits.
export let mantissa: u64 = 0;
let places = 0;

/** Parses ASCII "digits" (or "digits.digits" when allowFraction) at [p, p + len) into mantissa; false if malformed. */
export function parseDecimal(p: usize, len: i32, allowFraction: bool): bool {
  mantissa = 0;
  places = 0;
  let digits = 0;
  let seenPoint = false;
  for (let k = 0; k < len; k++) {
    let c = <u32>load<u8>(p + k);
    if (c == 46 /* . */ && allowFraction && !seenPoint && digits > 0) {
      seenPoint = true;
      continue;
    }
    if (c < 48 || c > 57) return false;
    // 15 significant digits keep the mantissa exact in an f64.
    if (++digits > 15) return false;
    mantissa = mantissa * 10 + (c - 48);
    if (seenPoint) places++;
  }
  return digits > 0 && !(seenPoint && places == 0);
}

/** mantissa / 10^places as the same f64 that JavaScript's Number(text) gives (both operands are exact). */
export function decimalValue(): f64 {
  let scale: f64 = 1;
  for (let k = 0; k < places; k++) scale *= 10;
  return <f64>mantissa / scale;
}

/**
 * A frame rate as text: "25", "29.97" (a decimal near N*1000/1001 means that NTSC rate), or "30000/1001". True
 * with the rate in reducedNum/reducedDen (lowest terms), false when malformed or not a rate reducedRate takes.
 */
export function parseFrameRateText(p: usize, len: i32): bool {
  let slash = 0;
  while (slash < len && load<u8>(p + slash) != 47 /* / */) slash++;
  if (slash < len) {
    if (!parseDecimal(p, slash, false)) return false;
    let num = mantissa;
    if (!parseDecimal(p + slash + 1, len - slash - 1, false)) return false;
    return reducedRate(num, mantissa);
  }
  if (!parseDecimal(p, len, true)) return false;
  let value = decimalValue();
  let ntsc = Math.round(value * 1.001);
  if (value != Math.floor(value) && Math.abs(ntsc / 1.001 - value) < 0.005) return reducedRate(<u64>ntsc * 1000, 1001);
  return reducedRate(<u64>Math.round(value * 1000), 1000);
}
