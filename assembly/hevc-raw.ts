// The H.265 half of raw-input.ts: where a raw Annex B stream's access units begin (7.4.2.4.4, with
// first_slice_segment_in_pic_flag marking a new picture when a camera sends several slices and no AUD),
// the picture order count (8.3.1) for presentation times, and the frame rate the VPS's timing gives.
import {
  hevcNalType, hevcIsVcl, hevcStartsUnit, hevcLayerId, parseHevcSliceHeader, hevcSlicePocLsb, hevcLog2MaxPocLsb, hevcTimeScale,
  hevcUnitsInTick, hevcSpsTimeScale, hevcSpsUnitsInTick, hevcReorderPics, vpsLength, HEVC_IDR_W_RADL, HEVC_IDR_N_LP, HEVC_BLA_W_LP, HEVC_CRA, HEVC_RADL_N, HEVC_RASL_R,
  HEVC_RSV_VCL_N14,
} from "./h265";

/** 1: the NAL unit at header begins a new access unit (if the current one has a picture); 0: it does not; -1: need more bytes. */
export function hevcStartsNewUnit(header: usize, avail: u32): i32 {
  if (avail < 2) return -1;
  let b0 = load<u8>(header);
  let type = hevcNalType(b0);
  if (hevcLayerId(b0, load<u8>(header + 1)) != 0) return 0; // other layers belong to the base layer's unit
  if (hevcStartsUnit(type)) return 1;
  if (hevcIsVcl(type)) {
    if (avail < 3) return -1;
    return load<u8>(header + 2) & 0x80 ? 1 : 0; // first_slice_segment_in_pic_flag
  }
  return 0;
}

/** The NAL unit at header is a coded slice segment (of any layer). */
export function hevcIsPicture(header: usize): bool {
  return hevcIsVcl(hevcNalType(load<u8>(header)));
}

let prevTid0Lsb: i32 = 0;
let prevTid0Msb: i32 = 0;
let pocStarted: bool = false;

export function hevcPocReset(): void {
  prevTid0Lsb = prevTid0Msb = 0;
  pocStarted = false;
}

/** The picture at ptr (first slice) restarts the picture order count: IDR, BLA, or a CRA that starts the stream. */
export function hevcPocRestarts(ptr: usize): bool {
  let type = hevcNalType(load<u8>(ptr));
  return (type >= HEVC_BLA_W_LP && type <= HEVC_IDR_N_LP) || (type == HEVC_CRA && !pocStarted);
}

/** Twice the picture order count of the picture whose first slice is at ptr (the H.264 path counts fields). */
export function hevcPictureOrder(ptr: usize, len: u32, fallback: i32): i32 {
  if (!parseHevcSliceHeader(ptr, len)) return fallback;
  let type = hevcNalType(load<u8>(ptr));
  let temporalId = <i32>(load<u8>(ptr + 1) & 7) - 1;
  let lsb = <i32>hevcSlicePocLsb;
  let maxLsb: i32 = 1 << hevcLog2MaxPocLsb;
  let msb: i32;
  // IDR and BLA pictures, and a CRA that starts the stream, restart the count (NoRaslOutputFlag = 1).
  if (hevcPocRestarts(ptr)) {
    msb = 0;
  } else if (lsb < prevTid0Lsb && prevTid0Lsb - lsb >= maxLsb / 2) {
    msb = prevTid0Msb + maxLsb;
  } else if (lsb > prevTid0Lsb && lsb - prevTid0Lsb > maxLsb / 2) {
    msb = prevTid0Msb - maxLsb;
  } else {
    msb = prevTid0Msb;
  }
  pocStarted = true;
  let subLayerNonReference = type <= HEVC_RSV_VCL_N14 && (type & 1) == 0;
  let leading = type >= HEVC_RADL_N && type <= HEVC_RASL_R;
  if (temporalId == 0 && !leading && !subLayerNonReference) {
    prevTid0Lsb = lsb;
    prevTid0Msb = msb;
  }
  return (msb + lsb) * 2;
}

/** time_scale and num_units_in_tick of the SPS's VUI, else of the VPS (a frame lasts one tick), 0 when unknown. */
export function hevcRateNum(): u32 {
  return hevcSpsUnitsInTick != 0 ? hevcSpsTimeScale : vpsLength != 0 ? hevcTimeScale : 0;
}
export function hevcRateDen(): u32 {
  return hevcSpsUnitsInTick != 0 ? hevcSpsUnitsInTick : vpsLength != 0 ? hevcUnitsInTick : 0;
}

/** How many pictures presentation can lag decoding. */
export function hevcReorder(): i64 {
  return hevcReorderPics >= 0 ? <i64>hevcReorderPics : 2;
}
