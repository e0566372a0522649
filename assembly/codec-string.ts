// The video's RFC 6381 codec string, written as ASCII into linear memory: the one place it is made (the SDK's
// playlists and metadata, `ipc-hls mux`'s and the WASI command's summary line all read it from here).
//   H.264: avc1.PPCCLL (profile_idc, constraint flags, level_idc of the SPS, two hex digits each).
//   H.265 (ISO/IEC 14496-15 E.3): hvc1.[A-C]<profile_idc>.<compatibility flags, bit-reversed, hex>.<L|H><level_idc>
//   then the six constraint bytes in hex, dot-separated, trailing zero bytes left out: x265 Main 2.0 → hvc1.1.6.L60.90.
import { codecIsHevc } from "./codec";
import { spsProfile, spsConstraints, spsLevel } from "./h264";
import { hevcProfileSpace, hevcProfileIdc, hevcCompatFlags, hevcTier, hevcLevelIdc, hevcConstraintHigh, hevcConstraintLow } from "./h265";

const HEX_LOWER = "0123456789abcdef";
const HEX_UPPER = "0123456789ABCDEF";
let cursor: usize = 0;

function put(b: u32): void {
  store<u8>(cursor++, <u8>b);
}

function putText(s: string): void {
  for (let i = 0; i < s.length; i++) put(<u32>s.charCodeAt(i));
}

function putHex2(n: u32): void {
  put(<u32>HEX_LOWER.charCodeAt((n >>> 4) & 15));
  put(<u32>HEX_LOWER.charCodeAt(n & 15));
}

/** Upper-case hex without leading zeros ("0" for zero). */
function putHex(n: u32): void {
  let started = false;
  for (let shift: i32 = 28; shift >= 0; shift -= 4) {
    let d = (n >>> shift) & 15;
    if (d != 0 || started || shift == 0) {
      put(<u32>HEX_UPPER.charCodeAt(d));
      started = true;
    }
  }
}

function putDecimal(n: u32): void {
  if (n >= 10) putDecimal(n / 10);
  put(48 + n % 10);
}

function reverse32(v: u32): u32 {
  let r: u32 = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((v >>> i) & 1);
  return r;
}

function constraintByte(i: i32): u32 {
  return i < 4 ? (hevcConstraintHigh >>> (24 - 8 * i)) & 0xff : (hevcConstraintLow >>> (8 - 8 * (i - 4))) & 0xff;
}

/** Writes the codec string of the stream's current parameter sets at dst (CODEC_STRING_BYTES fit); its length. */
export function writeCodecString(dst: usize): u32 {
  cursor = dst;
  if (!codecIsHevc) {
    putText("avc1.");
    putHex2(spsProfile);
    putHex2(spsConstraints);
    putHex2(spsLevel);
    return <u32>(cursor - dst);
  }
  putText("hvc1.");
  if (hevcProfileSpace > 0) put(64 + hevcProfileSpace); // A, B, C
  putDecimal(hevcProfileIdc);
  put(46); // "."
  putHex(reverse32(hevcCompatFlags));
  put(46);
  put(hevcTier ? 72 : 76); // H or L
  putDecimal(hevcLevelIdc);
  let last = 5;
  while (last >= 0 && constraintByte(last) == 0) last--;
  for (let i = 0; i <= last; i++) {
    put(46);
    putHex(constraintByte(i));
  }
  return <u32>(cursor - dst);
}
