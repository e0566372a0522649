// H.264 Annex B parsing: start codes, NAL types, the sequence parameter set (codec string, size, POC rules)
// and the first fields of a slice header (for picture order counts of raw streams).
import { bitsLoad, bitsOverrun, readBit, readBits, readUE, readSE, skipBits } from "./bits";

// nal_unit_type (Table 7-1).
export const NAL_SLICE: u32 = 1;
export const NAL_IDR: u32 = 5;
export const NAL_SEI: u32 = 6;
export const NAL_SPS: u32 = 7;
export const NAL_PPS: u32 = 8;
export const NAL_AUD: u32 = 9;
export const NAL_RESERVED_14: u32 = 14; // 14 to 18: reserved types that also open a new access unit (7.4.1.2.3)
export const NAL_RESERVED_18: u32 = 18;
export const NAL_UNSPECIFIED_24: u32 = 24; // 0 and 24 to 31: unspecified, not H.264 we can carry

/** The nal_unit_type in a NAL header byte. */
// @ts-ignore: decorator
@inline export function nalType(header: u8): u32 {
  return <u32>header & 0x1f;
}

/** Position of the next 00 00 01 at or after p (before end), or end. */
export function findStartCode(p: usize, end: usize): usize {
  while (p + 2 < end) {
    let b2 = load<u8>(p + 2);
    if (b2 > 1) {
      p += 3;
    } else if (b2 == 1 && load<u8>(p + 1) == 0 && load<u8>(p) == 0) {
      return p;
    } else {
      p++;
    }
  }
  return end;
}

/** End of the NAL unit that starts at `header`: the next start code, less the zero bytes before it. */
export function nalEnd(header: usize, end: usize): usize {
  let next = findStartCode(header, end);
  while (next > header && load<u8>(next - 1) == 0) next--;
  return next;
}

// ---- Sequence parameter set ----
// Stored as the raw NAL (header byte included, no start code) so it can be re-inserted before IDRs.

export const MAX_PARAM_SET: u32 = 960;
export const spsStore: usize = memory.data(960);
export const ppsStore: usize = memory.data(960);
export let spsLength: u32 = 0;
export let ppsLength: u32 = 0;

export let spsProfile: u32 = 0;
export let spsConstraints: u32 = 0;
export let spsLevel: u32 = 0;
export let spsWidth: u32 = 0;
export let spsHeight: u32 = 0;
export let spsPocType: u32 = 0;
export let spsLog2MaxPocLsb: u32 = 4;
// (Needed to find pic_order_cnt_lsb in a slice header.)
let spsLog2MaxFrameNum: u32 = 4;
let spsFrameMbsOnly: bool = true;
let spsSeparateColourPlane: bool = false;
/** max_num_reorder_frames from the VUI, or -1 when the stream does not say. */
export let spsReorderFrames: i32 = -1;
/** The VUI's timing (E.2.1): time_scale and num_units_in_tick, 0 when the stream carries none. */
export let spsTimeScale: u32 = 0;
export let spsUnitsInTick: u32 = 0;

function skipScalingList(size: u32): void {
  let last: i32 = 8;
  let next: i32 = 8;
  for (let j: u32 = 0; j < size; j++) {
    if (next != 0) {
      next = (last + readSE() + 256) % 256;
    }
    last = next == 0 ? last : next;
    if (bitsOverrun) return;
  }
}

function skipHrd(): void {
  let count = readUE() + 1;
  skipBits(8);
  for (let i: u32 = 0; i < count && !bitsOverrun; i++) {
    readUE();
    readUE();
    skipBits(1);
  }
  skipBits(20);
}

/** Parses an SPS NAL (header byte at ptr). Returns false if it is malformed; the stored SPS is then unchanged. */
export function parseSps(ptr: usize, len: u32): bool {
  if (len < 4 || len > MAX_PARAM_SET) return false;
  bitsLoad(ptr + 1, len - 1);
  let profile = readBits(8);
  let constraints = readBits(8);
  let level = readBits(8);
  readUE(); // seq_parameter_set_id
  let chroma: u32 = 1;
  let separate = false;
  if (
    profile == 100 || profile == 110 || profile == 122 || profile == 244 || profile == 44 ||
    profile == 83 || profile == 86 || profile == 118 || profile == 128 || profile == 138 ||
    profile == 139 || profile == 134 || profile == 135
  ) {
    chroma = readUE();
    if (chroma == 3) separate = readBit() == 1;
    readUE(); // bit_depth_luma_minus8
    readUE(); // bit_depth_chroma_minus8
    skipBits(1); // qpprime_y_zero_transform_bypass_flag
    if (readBit()) {
      let lists: u32 = chroma != 3 ? 8 : 12;
      for (let i: u32 = 0; i < lists; i++) {
        if (readBit()) skipScalingList(i < 6 ? 16 : 64);
      }
    }
  }
  let log2MaxFrameNum = readUE() + 4;
  let pocType = readUE();
  let log2MaxPocLsb: u32 = 4;
  if (pocType == 0) {
    log2MaxPocLsb = readUE() + 4;
  } else if (pocType == 1) {
    skipBits(1);
    readSE();
    readSE();
    let cycle = readUE();
    for (let i: u32 = 0; i < cycle && !bitsOverrun; i++) readSE();
  }
  readUE(); // max_num_ref_frames
  skipBits(1); // gaps_in_frame_num_value_allowed_flag
  let widthMbs = readUE() + 1;
  let heightMapUnits = readUE() + 1;
  let frameMbsOnly = readBit() == 1;
  if (!frameMbsOnly) skipBits(1);
  skipBits(1); // direct_8x8_inference_flag
  let cropLeft: u32 = 0, cropRight: u32 = 0, cropTop: u32 = 0, cropBottom: u32 = 0;
  if (readBit()) {
    cropLeft = readUE();
    cropRight = readUE();
    cropTop = readUE();
    cropBottom = readUE();
  }
  let reorder: i32 = -1;
  let unitsInTick: u32 = 0;
  let timeScale: u32 = 0;
  if (readBit()) {
    // VUI: skip to bitstream_restriction for max_num_reorder_frames.
    if (readBit()) {
      if (readBits(8) == 255) skipBits(32);
    }
    if (readBit()) skipBits(1);
    if (readBit()) {
      skipBits(4);
      if (readBit()) skipBits(24);
    }
    if (readBit()) {
      readUE();
      readUE();
    }
    if (readBit()) {
      // timing_info_present_flag: num_units_in_tick, time_scale, fixed_frame_rate_flag
      unitsInTick = readBits(32);
      timeScale = readBits(32);
      skipBits(1);
    }
    let nalHrd = readBit() == 1;
    if (nalHrd) skipHrd();
    let vclHrd = readBit() == 1;
    if (vclHrd) skipHrd();
    if (nalHrd || vclHrd) skipBits(1);
    skipBits(1); // pic_struct_present_flag
    if (readBit()) {
      skipBits(1);
      readUE();
      readUE();
      readUE();
      readUE();
      let r = readUE();
      readUE();
      if (!bitsOverrun) reorder = <i32>r;
    }
  }
  if (bitsOverrun || log2MaxFrameNum > 16 || log2MaxPocLsb > 16 || pocType > 2 || widthMbs > 1024 || heightMapUnits > 1024) {
    return false;
  }
  let cropUnitX: u32 = chroma == 0 || chroma == 3 ? 1 : 2;
  let cropUnitY: u32 = (chroma == 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
  if (chroma == 0) cropUnitY = frameMbsOnly ? 1 : 2;
  let width = widthMbs * 16;
  let height = heightMapUnits * 16 * (frameMbsOnly ? 1 : 2);
  let cropX = cropUnitX * (cropLeft + cropRight);
  let cropY = cropUnitY * (cropTop + cropBottom);
  if (cropX >= width || cropY >= height) return false;

  memory.copy(spsStore, ptr, len);
  spsLength = len;
  spsProfile = profile;
  spsConstraints = constraints;
  spsLevel = level;
  spsWidth = width - cropX;
  spsHeight = height - cropY;
  spsLog2MaxFrameNum = log2MaxFrameNum;
  spsPocType = pocType;
  spsLog2MaxPocLsb = log2MaxPocLsb;
  spsFrameMbsOnly = frameMbsOnly;
  spsSeparateColourPlane = separate;
  spsReorderFrames = reorder;
  spsUnitsInTick = unitsInTick;
  spsTimeScale = timeScale;
  return true;
}

export function storePps(ptr: usize, len: u32): bool {
  if (len < 2 || len > MAX_PARAM_SET) return false;
  memory.copy(ppsStore, ptr, len);
  ppsLength = len;
  return true;
}

// ---- Slice header (first fields only) ----

export let slicePocLsb: u32 = 0;

/** Reads a slice header up to pic_order_cnt_lsb. `ptr` is the NAL header byte. */
export function parseSliceHeader(ptr: usize, len: u32): bool {
  let type = nalType(load<u8>(ptr));
  bitsLoad(ptr + 1, len - 1 < 64 ? len - 1 : 64);
  readUE(); // first_mb_in_slice
  readUE(); // slice_type
  readUE(); // pic_parameter_set_id
  if (spsSeparateColourPlane) skipBits(2); // colour_plane_id
  skipBits(spsLog2MaxFrameNum); // frame_num
  if (!spsFrameMbsOnly && readBit()) skipBits(1); // field_pic_flag, bottom_field_flag
  if (type == NAL_IDR) readUE(); // idr_pic_id
  slicePocLsb = spsPocType == 0 ? readBits(spsLog2MaxPocLsb) : 0;
  return !bitsOverrun;
}
