// The H.265 half of access-unit.ts: looks at the NAL units before the first slice segment of an access unit,
// stores VPS/SPS/PPS for re-insertion, and says whether the picture is an IRAP (a segment may start there).
import { findStartCode, nalEnd } from "./h264";
import {
  hevcNalType, hevcLayerId, hevcIsIrap, parseVps, parseHevcSps, parseHevcPps, vpsStore, vpsLength, hevcSpsStore, hevcSpsLength,
  HEVC_VCL_LAST, HEVC_VPS, HEVC_SPS, HEVC_PPS, HEVC_AUD, HEVC_UNSPECIFIED_48, HEVC_RASL_R, HEVC_BLA_W_LP, HEVC_CRA,
} from "./h265";

export const HEVC_AU_OK: i32 = 0;
export const HEVC_AU_PARAMS_ONLY: i32 = 1;
export const HEVC_AU_MALFORMED: i32 = 2;

export let hevcAuIrap: bool = false;
export let hevcAuHasVps: bool = false;
export let hevcAuHasSps: bool = false;
export let hevcAuHasPps: bool = false;
export let hevcAuCopyFrom: usize = 0;
export let hevcAuFirstSlice: usize = 0;
export let hevcAuFirstSliceLength: u32 = 0;

/** A coded picture type we can carry: 0-9 (trailing, TSA, STSA, RADL, RASL) and 16-21 (BLA, IDR, CRA). */
function carriedPicture(type: u32): bool {
  return type <= HEVC_RASL_R || (type >= HEVC_BLA_W_LP && type <= HEVC_CRA);
}

export function scanHevcAccessUnit(ptr: usize, len: u32): i32 {
  let end = ptr + len;
  let p = ptr;
  while (p < end && load<u8>(p) == 0) p++;
  if (p >= end || load<u8>(p) != 1 || p - ptr < 2) return HEVC_AU_MALFORMED;
  hevcAuIrap = false;
  hevcAuHasVps = false;
  hevcAuHasSps = false;
  hevcAuHasPps = false;
  hevcAuCopyFrom = ptr;
  let first = true;
  let sc = p - 2;
  while (sc < end) {
    let header = sc + 3;
    if (header + 1 >= end) return HEVC_AU_MALFORMED;
    let b0 = load<u8>(header);
    let b1 = load<u8>(header + 1);
    if (b0 & 0x80 || (b1 & 7) == 0) return HEVC_AU_MALFORMED; // forbidden_zero_bit, TemporalId + 1 == 0
    let type = hevcNalType(b0);
    if (type >= HEVC_UNSPECIFIED_48) return HEVC_AU_MALFORMED;
    let baseLayer = hevcLayerId(b0, b1) == 0;
    if (type <= HEVC_VCL_LAST) {
      if (!carriedPicture(type) || header + 2 >= end) return HEVC_AU_MALFORMED;
      hevcAuIrap = hevcIsIrap(type);
      hevcAuFirstSlice = header;
      hevcAuFirstSliceLength = <u32>(end - header);
      return HEVC_AU_OK;
    }
    let stop = nalEnd(header, end);
    let length = <u32>(stop - header);
    if (type == HEVC_AUD && first) {
      hevcAuCopyFrom = stop; // we write our own AUD in front
    } else if (baseLayer && type == HEVC_VPS) {
      if (!(length == vpsLength && memory.compare(header, vpsStore, length) == 0) && !parseVps(header, length)) return HEVC_AU_MALFORMED;
      hevcAuHasVps = true;
    } else if (baseLayer && type == HEVC_SPS) {
      if (!(length == hevcSpsLength && memory.compare(header, hevcSpsStore, length) == 0) && !parseHevcSps(header, length)) return HEVC_AU_MALFORMED;
      hevcAuHasSps = true;
    } else if (baseLayer && type == HEVC_PPS) {
      if (!parseHevcPps(header, length)) return HEVC_AU_MALFORMED;
      hevcAuHasPps = true;
    }
    first = false;
    sc = findStartCode(stop, end);
  }
  return HEVC_AU_PARAMS_ONLY;
}
