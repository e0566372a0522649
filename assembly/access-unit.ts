// Looks at the start of an access unit: which NAL units come before the first slice, whether there is an
// AUD, SPS, PPS, and whether the picture is an IDR. Slice data is never scanned, so the cost does not grow
// with the frame size. SPS and PPS found here are stored for re-insertion before later IDRs.
import { findStartCode, nalEnd, parseSps, spsLength, spsStore, storePps, NAL_AUD, NAL_SPS, NAL_PPS, NAL_IDR, NAL_SLICE, NAL_UNSPECIFIED_24, nalType } from "./h264";
import { codecIsHevc, codecSeeNal, codecSeeStart, codecRefusal } from "./codec";
import { OK } from "./abi";
import { scanHevcAccessUnit, hevcAuIrap, hevcAuHasVps, hevcAuHasSps, hevcAuHasPps, hevcAuCopyFrom, hevcAuFirstSlice, hevcAuFirstSliceLength } from "./hevc-access-unit";

export const AU_OK: i32 = 0;
export const AU_PARAMS_ONLY: i32 = 1; // parameter sets or SEI but no picture
export const AU_MALFORMED: i32 = 2;

export let auIsIdr: bool = false;
export let auHasSps: bool = false;
export let auHasPps: bool = false;
export let auHasVps: bool = false; // (H.265 only)
/** Where the bytes to copy begin: the first NAL's start code, or just after a leading AUD. */
export let auCopyFrom: usize = 0;
/** Header byte of the first slice NAL, and the bytes from there to the end of the unit. */
export let auFirstSlice: usize = 0;
export let auFirstSliceLength: u32 = 0;
export let auSliceRefIdc: u32 = 0;

export function scanAccessUnit(ptr: usize, len: u32): i32 {
  // ---- H.265: the same facts from hevc-access-unit.ts (auIsIdr means an IRAP picture) ----
  codecSeeStart(ptr, len);
  let lead = findStartCode(ptr, ptr + len);
  codecSeeNal(lead + 3, ptr + len > lead + 3 ? <u32>(ptr + len - lead - 3) : 0);
  if (codecRefusal != OK) return AU_MALFORMED; // H.266 or MJPEG: muxVideo names it (codec.ts codecRefusal)
  if (codecIsHevc) {
    let result = scanHevcAccessUnit(ptr, len);
    auIsIdr = hevcAuIrap;
    auHasVps = hevcAuHasVps;
    auHasSps = hevcAuHasSps;
    auHasPps = hevcAuHasPps;
    auCopyFrom = hevcAuCopyFrom;
    auFirstSlice = hevcAuFirstSlice;
    auFirstSliceLength = hevcAuFirstSliceLength;
    auSliceRefIdc = 1; // every HEVC picture counts as referenced when lost (conservative)
    return result;
  }
  // ---- H.264 ----
  let end = ptr + len;
  // Leading zero bytes are allowed (a 4-byte start code, or zero_byte padding); anything else is garbage.
  let p = ptr;
  while (p < end && load<u8>(p) == 0) p++;
  if (p >= end || load<u8>(p) != 1 || p - ptr < 2) return AU_MALFORMED;
  auIsIdr = false;
  auHasSps = false;
  auHasPps = false;
  auCopyFrom = ptr;
  let first = true;
  let sc = p - 2; // start of the 00 00 01
  while (sc < end) {
    let header = sc + 3;
    if (header >= end) return AU_MALFORMED;
    let h = load<u8>(header);
    if (h & 0x80) return AU_MALFORMED; // forbidden_zero_bit
    let type = nalType(h);
    if (type == 0 || type >= NAL_UNSPECIFIED_24) return AU_MALFORMED; // unspecified types: not H.264 we can carry
    if (type == NAL_SLICE || type == NAL_IDR) {
      auIsIdr = type == NAL_IDR;
      auFirstSlice = header;
      auFirstSliceLength = <u32>(end - header);
      auSliceRefIdc = (h >>> 5) & 3;
      return AU_OK;
    }
    let stop = nalEnd(header, end);
    if (type == NAL_AUD && first) {
      auCopyFrom = stop; // we write our own AUD in front
    } else if (type == NAL_SPS) {
      // Encoders repeat the same SPS before every IDR: parse it only when it changed.
      let length = <u32>(stop - header);
      if (!(length == spsLength && memory.compare(header, spsStore, length) == 0) && !parseSps(header, length)) return AU_MALFORMED;
      auHasSps = true;
    } else if (type == NAL_PPS) {
      if (!storePps(header, <u32>(stop - header))) return AU_MALFORMED;
      auHasPps = true;
    }
    first = false;
    sc = findStartCode(stop, end);
  }
  return AU_PARAMS_ONLY;
}
