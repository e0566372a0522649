// RFC 6381 codec strings for the video track, from the SPS fields the core reports (src/core-abi.ts INFO_*).
import * as abi from "./core-abi.js";

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

/** H.264: avc1.PPCCLL (profile_idc, constraint flags, level_idc). */
function avcCodecString(info: Float64Array): string {
  return `avc1.${hex2(info[abi.INFO_PROFILE])}${hex2(info[abi.INFO_CONSTRAINTS])}${hex2(info[abi.INFO_LEVEL])}`;
}

/** Reverses the bit order of a 32-bit value. */
function reverse32(v: number): number {
  let r = 0;
  for (let i = 0; i < 32; i++) r = (r << 1) | ((v >>> i) & 1);
  return r >>> 0;
}

/**
 * H.265 (ISO/IEC 14496-15 E.3): hvc1.[A-C]<profile_idc>.<compatibility flags, bit-reversed, hex>.<L|H><level_idc>
 * then the six constraint bytes in hex, dot-separated, trailing zero bytes left out. Main, level 3: hvc1.1.6.L90.B0.
 */
function hevcCodecString(info: Float64Array): string {
  const space = ["", "A", "B", "C"][info[abi.INFO_HEVC_PROFILE_SPACE]] ?? "";
  const compat = reverse32(info[abi.INFO_HEVC_COMPAT]).toString(16).toUpperCase();
  const tier = info[abi.INFO_HEVC_TIER] ? "H" : "L";
  const high = info[abi.INFO_HEVC_CONSTRAINT_HIGH];
  const low = info[abi.INFO_HEVC_CONSTRAINT_LOW];
  const bytes = [high >>> 24, (high >>> 16) & 0xff, (high >>> 8) & 0xff, high & 0xff, low >>> 8, low & 0xff];
  while (bytes.length > 0 && bytes[bytes.length - 1] === 0) bytes.pop();
  const constraints = bytes.map((b) => `.${b.toString(16).toUpperCase()}`).join("");
  return `hvc1.${space}${info[abi.INFO_PROFILE]}.${compat}.${tier}${info[abi.INFO_LEVEL]}${constraints}`;
}

/** The codec string of the video the core muxed, from a filled segment info struct. */
export function videoCodecString(info: Float64Array): string {
  return info[abi.INFO_CODEC] === abi.CODEC_H265 ? hevcCodecString(info) : avcCodecString(info);
}
