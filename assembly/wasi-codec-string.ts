// The WASI command's codec string for the video (as src/video-codec-string.ts writes it for the Node host):
// avc1.PPCCLL for H.264, hvc1.… (ISO/IEC 14496-15 E.3) for H.265.
import { byte, decimal, hex2, text } from "./wasi-text";
import { codecIsHevc } from "./codec";
import { hevcProfileSpace, hevcProfileIdc, hevcCompatFlags, hevcTier, hevcLevelIdc, hevcConstraintHigh, hevcConstraintLow } from "./h265";

/** Hex digits, upper case, no leading zeros. */
function hexUpper(n: u32): void {
  const DIGITS = "0123456789ABCDEF";
  let started = false;
  for (let shift: i32 = 28; shift >= 0; shift -= 4) {
    let d = (n >>> shift) & 15;
    if (d != 0 || started || shift == 0) {
      byte(<u32>DIGITS.charCodeAt(d));
      started = true;
    }
  }
}

function reverse32(v: u32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((v >>> i) & 1);
  return r;
}

/** Writes the codec string; profile, constraints and level are the first segment's H.264 SPS fields. */
export function writeVideoCodec(profile: u32, constraints: u32, level: u32): void {
  if (!codecIsHevc) {
    text("avc1.");
    hex2(profile);
    hex2(constraints);
    hex2(level);
    return;
  }
  text("hvc1.");
  if (hevcProfileSpace > 0) byte(64 + hevcProfileSpace); // A, B, C
  decimal(<u64>hevcProfileIdc);
  byte(46);
  hexUpper(reverse32(hevcCompatFlags));
  byte(46);
  byte(hevcTier ? 72 : 76); // H or L
  decimal(<u64>hevcLevelIdc);
  // The six constraint bytes, trailing zero bytes left out.
  let last = 5;
  while (last >= 0 && constraintByte(last) == 0) last--;
  for (let i = 0; i <= last; i++) {
    byte(46);
    hexUpper(constraintByte(i));
  }
}

function constraintByte(i: i32): u32 {
  return i < 4 ? (hevcConstraintHigh >>> (24 - 8 * i)) & 0xff : (hevcConstraintLow >>> (8 - 8 * (i - 4))) & 0xff;
}
