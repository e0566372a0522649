// H.265 (HEVC) Annex B parsing: the two-byte NAL header, VPS/SPS/PPS (codec string, size, frame rate, POC
// rules) and the first fields of a slice segment header (for picture order counts of raw streams).
// Start codes are the same as H.264's (h264.ts findStartCode / nalEnd).
import { bitsLoad, bitsOverrun, readBit, readBits, readUE, readSE, skipBits } from "./bits";

// nal_unit_type (H.265 Table 7-1).
export const HEVC_TRAIL_N: u32 = 0; // 0-9: non-IRAP pictures; even types up to 14 are sub-layer non-reference
export const HEVC_RADL_N: u32 = 6;
export const HEVC_RASL_R: u32 = 9;
export const HEVC_RSV_VCL_N14: u32 = 14;
export const HEVC_BLA_W_LP: u32 = 16; // 16-21: IRAP pictures (BLA, IDR, CRA), segment starts
export const HEVC_IDR_W_RADL: u32 = 19;
export const HEVC_IDR_N_LP: u32 = 20;
export const HEVC_CRA: u32 = 21;
export const HEVC_RSV_IRAP_23: u32 = 23;
export const HEVC_VCL_LAST: u32 = 31;
export const HEVC_VPS: u32 = 32;
export const HEVC_SPS: u32 = 33;
export const HEVC_PPS: u32 = 34;
export const HEVC_AUD: u32 = 35;
export const HEVC_PREFIX_SEI: u32 = 39;
export const HEVC_UNSPECIFIED_48: u32 = 48; // 48-63: unspecified, not HEVC we can carry

/** nal_unit_type from the first header byte. */
// @ts-ignore: decorator
@inline export function hevcNalType(first: u8): u32 {
  return (<u32>first >>> 1) & 0x3f;
}

/** nuh_layer_id from the two header bytes. */
export function hevcLayerId(first: u8, second: u8): u32 {
  return ((<u32>first & 1) << 5) | (<u32>second >>> 3);
}

/** TemporalId (nuh_temporal_id_plus1 - 1), or -1 when the forbidden value 0 is coded. */
export function hevcTemporalId(second: u8): i32 {
  return <i32>(second & 7) - 1;
}

export function hevcIsVcl(type: u32): bool {
  return type <= HEVC_VCL_LAST;
}

export function hevcIsIrap(type: u32): bool {
  return type >= HEVC_BLA_W_LP && type <= HEVC_RSV_IRAP_23;
}

/** NAL types that open a new access unit when the current one already has a picture (7.4.2.4.4). */
export function hevcStartsUnit(type: u32): bool {
  return (type >= HEVC_VPS && type <= HEVC_AUD) || type == HEVC_PREFIX_SEI || (type >= 41 && type <= 44) || (type >= 48 && type <= 55);
}

// ---- Parameter sets, stored as raw NALs (header included, no start code) for re-insertion before IRAPs ----
export const HEVC_MAX_PARAM_SET: u32 = 960;
export const vpsStore: usize = memory.data(960);
export const hevcSpsStore: usize = memory.data(960);
export const hevcPpsStore: usize = memory.data(960);
export let vpsLength: u32 = 0;
export let hevcSpsLength: u32 = 0;
export let hevcPpsLength: u32 = 0;

// From profile_tier_level (7.3.3): everything the RFC 6381 / ISO 14496-15 E.3 codec string needs.
export let hevcProfileSpace: u32 = 0;
export let hevcTier: u32 = 0;
export let hevcProfileIdc: u32 = 0;
export let hevcCompatFlags: u32 = 0; // general_profile_compatibility_flag[0] is the top bit
export let hevcConstraintHigh: u32 = 0; // the 48 constraint bits: first 32
export let hevcConstraintLow: u32 = 0; // and last 16
export let hevcLevelIdc: u32 = 0;
export let hevcWidth: u32 = 0;
export let hevcHeight: u32 = 0;
/** sps_max_num_reorder_pics of the highest sub-layer. */
export let hevcReorderPics: i32 = -1;
export let hevcLog2MaxPocLsb: u32 = 4;
let hevcSeparateColourPlane: bool = false;
/** The VPS's timing (frames: time_scale / num_units_in_tick), 0 when it carries none. */
export let hevcTimeScale: u32 = 0;
export let hevcUnitsInTick: u32 = 0;
/** The SPS's VUI timing, the same way; 0 when it carries none (or when what comes before it did not parse). */
export let hevcSpsTimeScale: u32 = 0;
export let hevcSpsUnitsInTick: u32 = 0;
// What the hvcC record (ISO/IEC 14496-15 8.3.3.1) says besides the profile: from the VPS, SPS and PPS stored.
export let hevcVpsMaxSubLayers: u32 = 1;
export let hevcSpsMaxSubLayers: u32 = 1;
export let hevcTemporalIdNested: u32 = 0;
export let hevcChromaFormat: u32 = 1;
export let hevcBitDepthLuma: u32 = 8;
export let hevcBitDepthChroma: u32 = 8;
/** min_spatial_segmentation_idc of the SPS's VUI bitstream restriction, 0 when absent (or not read). */
export let hevcMinSpatialSegmentation: u32 = 0;
/** The PPS's tiles_enabled_flag and entropy_coding_sync_enabled_flag, which give hvcC's parallelismType. */
export let hevcPpsTiles: bool = false;
export let hevcPpsWavefronts: bool = false;
// PPS fields the slice header's layout depends on.
let ppsDependentSlices: bool = false;
let ppsOutputFlagPresent: bool = false;
let ppsExtraSliceHeaderBits: u32 = 0;

/** Reads profile_tier_level(1, maxSubLayersMinus1); the general fields go to pt* below. */
let ptSpace: u32 = 0, ptTier: u32 = 0, ptProfile: u32 = 0, ptCompat: u32 = 0, ptHigh: u32 = 0, ptLow: u32 = 0, ptLevel: u32 = 0;
function readProfileTierLevel(maxSubLayersMinus1: u32): void {
  ptSpace = readBits(2);
  ptTier = readBits(1);
  ptProfile = readBits(5);
  ptCompat = readBits(32);
  ptHigh = readBits(32);
  ptLow = readBits(16);
  ptLevel = readBits(8);
  let profilePresent: u32 = 0;
  let levelPresent: u32 = 0;
  for (let i: u32 = 0; i < maxSubLayersMinus1; i++) {
    profilePresent |= readBit() << i;
    levelPresent |= readBit() << i;
  }
  if (maxSubLayersMinus1 > 0) skipBits(2 * (8 - maxSubLayersMinus1));
  for (let i: u32 = 0; i < maxSubLayersMinus1; i++) {
    if (profilePresent & (1 << i)) skipBits(88);
    if (levelPresent & (1 << i)) skipBits(8);
  }
}

/** Parses a VPS NAL (header at ptr) for its timing; stores it. False if malformed (nothing changes). */
export function parseVps(ptr: usize, len: u32): bool {
  if (len < 6 || len > HEVC_MAX_PARAM_SET) return false;
  bitsLoad(ptr + 2, len - 2);
  skipBits(4 + 1 + 1 + 6); // id, base layer flags, vps_max_layers_minus1
  let maxSub = readBits(3);
  skipBits(1 + 16); // temporal_id_nesting, reserved 0xffff
  readProfileTierLevel(maxSub);
  let orderingAll = readBit() == 1;
  for (let i: u32 = orderingAll ? 0 : maxSub; i <= maxSub && !bitsOverrun; i++) {
    readUE();
    readUE();
    readUE();
  }
  let maxLayerId = readBits(6);
  let layerSets = readUE();
  if (layerSets > 1023) return false;
  for (let i: u32 = 1; i <= layerSets && !bitsOverrun; i++) skipBits(maxLayerId + 1);
  let unitsInTick: u32 = 0;
  let timeScale: u32 = 0;
  if (readBit()) {
    unitsInTick = readBits(32);
    timeScale = readBits(32);
  }
  if (bitsOverrun || maxSub > 6) return false;
  memory.copy(vpsStore, ptr, len);
  vpsLength = len;
  hevcVpsMaxSubLayers = maxSub + 1;
  hevcUnitsInTick = unitsInTick;
  hevcTimeScale = timeScale;
  return true;
}

function skipScalingListData(): void {
  for (let sizeId: u32 = 0; sizeId < 4; sizeId++) {
    for (let matrixId: u32 = 0; matrixId < 6 && !bitsOverrun; matrixId += sizeId == 3 ? 3 : 1) {
      if (!readBit()) {
        readUE(); // scaling_list_pred_matrix_id_delta
      } else {
        let coefficients: u32 = 1 << (4 + (sizeId << 1));
        if (coefficients > 64) coefficients = 64;
        if (sizeId > 1) readSE();
        for (let i: u32 = 0; i < coefficients && !bitsOverrun; i++) readSE();
      }
    }
  }
}

/** Skips the SPS's st_ref_pic_set list (7.3.7); NumDeltaPocs of each set is needed to read the next. */
function skipShortTermRefPicSets(count: u32): void {
  let previousDeltaPocs: u32 = 0;
  for (let i: u32 = 0; i < count && !bitsOverrun; i++) {
    let deltaPocs: u32 = 0;
    if (i != 0 && readBit()) {
      // Predicted from set i - 1: one flag (and maybe a second) per entry of that set, plus one.
      skipBits(1); // delta_rps_sign
      readUE(); // abs_delta_rps_minus1
      for (let j: u32 = 0; j <= previousDeltaPocs && !bitsOverrun; j++) {
        let used = readBit() == 1;
        let useDelta = used || readBit() == 1;
        if (useDelta) deltaPocs++;
      }
    } else {
      let negative = readUE();
      let positive = readUE();
      if (negative > 16 || positive > 16) {
        skipBits(1 << 20); // impossible: mark the overrun
        return;
      }
      for (let j: u32 = 0; j < negative + positive && !bitsOverrun; j++) {
        readUE();
        skipBits(1);
      }
      deltaPocs = negative + positive;
    }
    previousDeltaPocs = deltaPocs;
  }
}

/** Reads from log2_min_luma_coding_block_size_minus3 to the VUI's timing; sets spsTiming* (0, 0 when absent). */
let spsTimingScale: u32 = 0;
let spsTimingUnits: u32 = 0;
let spsMinSpatialSegmentation: u32 = 0;
function readSpsTiming(log2MaxPocLsb: u32): void {
  spsTimingScale = spsTimingUnits = 0;
  spsMinSpatialSegmentation = 0;
  for (let i = 0; i < 6; i++) readUE(); // coding and transform block sizes, transform hierarchy depths
  if (readBit() && readBit()) skipScalingListData();
  skipBits(2); // amp_enabled_flag, sample_adaptive_offset_enabled_flag
  if (readBit()) {
    skipBits(8); // pcm bit depths
    readUE();
    readUE();
    skipBits(1);
  }
  let sets = readUE();
  if (sets > 64) return;
  skipShortTermRefPicSets(sets);
  if (readBit()) {
    let longTerm = readUE();
    if (longTerm > 32) return;
    for (let i: u32 = 0; i < longTerm && !bitsOverrun; i++) skipBits(log2MaxPocLsb + 1);
  }
  skipBits(2); // sps_temporal_mvp_enabled_flag, strong_intra_smoothing_enabled_flag
  if (!readBit()) return; // no VUI
  if (readBit() && readBits(8) == 255) skipBits(32); // aspect ratio (sar_width, sar_height)
  if (readBit()) skipBits(1); // overscan
  if (readBit()) {
    skipBits(4); // video_format, video_full_range_flag
    if (readBit()) skipBits(24); // colour description
  }
  if (readBit()) {
    readUE();
    readUE();
  }
  skipBits(3); // neutral_chroma_indication_flag, field_seq_flag, frame_field_info_present_flag
  if (readBit()) {
    for (let i = 0; i < 4; i++) readUE(); // default display window
  }
  if (readBit()) {
    let units = readBits(32);
    let scale = readBits(32);
    if (bitsOverrun) return;
    spsTimingUnits = units;
    spsTimingScale = scale;
    if (readBit()) readUE(); // vui_num_ticks_poc_diff_one_minus1
    if (readBit()) return; // HRD parameters: the bitstream restriction after them is not read (hvcC then says 0)
  }
  if (!readBit()) return; // no bitstream restriction
  skipBits(3); // tiles_fixed_structure, motion_vectors_over_pic_boundaries, restricted_ref_pic_lists
  let segmentation = readUE();
  if (!bitsOverrun && segmentation < 4096) spsMinSpatialSegmentation = segmentation;
}

/** Parses an SPS NAL up to the VUI's timing; stores it. False if malformed before the sub-layer ordering info. */
export function parseHevcSps(ptr: usize, len: u32): bool {
  if (len < 16 || len > HEVC_MAX_PARAM_SET) return false;
  bitsLoad(ptr + 2, len - 2);
  skipBits(4); // sps_video_parameter_set_id
  let maxSub = readBits(3);
  let nested = readBit();
  readProfileTierLevel(maxSub);
  readUE(); // sps_seq_parameter_set_id
  let chroma = readUE();
  let separate = false;
  if (chroma == 3) separate = readBit() == 1;
  let width = readUE();
  let height = readUE();
  let left: u32 = 0, right: u32 = 0, top: u32 = 0, bottom: u32 = 0;
  if (readBit()) {
    left = readUE();
    right = readUE();
    top = readUE();
    bottom = readUE();
  }
  let depthLuma = readUE() + 8;
  let depthChroma = readUE() + 8;
  let log2MaxPocLsb = readUE() + 4;
  let orderingAll = readBit() == 1;
  let reorder: u32 = 0;
  for (let i: u32 = orderingAll ? 0 : maxSub; i <= maxSub && !bitsOverrun; i++) {
    readUE();
    reorder = readUE(); // the last one read is the highest sub-layer's
    readUE();
  }
  if (bitsOverrun || maxSub > 6 || chroma > 3 || log2MaxPocLsb > 16 || width == 0 || height == 0 || width > 16888 || height > 16888 || reorder > 16 ||
    depthLuma > 16 || depthChroma > 16) {
    return false;
  }
  // The frame rate is a bonus: an SPS whose later fields do not parse is still used, without it.
  readSpsTiming(log2MaxPocLsb);
  // Conformance window offsets are in chroma units (Table 6-1: SubWidthC, SubHeightC).
  let unitX: u32 = chroma == 1 || chroma == 2 ? 2 : 1;
  let unitY: u32 = chroma == 1 ? 2 : 1;
  let cropX = <u64>unitX * (<u64>left + <u64>right);
  let cropY = <u64>unitY * (<u64>top + <u64>bottom);
  if (cropX >= <u64>width || cropY >= <u64>height) return false;

  memory.copy(hevcSpsStore, ptr, len);
  hevcSpsLength = len;
  hevcProfileSpace = ptSpace;
  hevcTier = ptTier;
  hevcProfileIdc = ptProfile;
  hevcCompatFlags = ptCompat;
  hevcConstraintHigh = ptHigh;
  hevcConstraintLow = ptLow;
  hevcLevelIdc = ptLevel;
  hevcWidth = width - <u32>cropX;
  hevcHeight = height - <u32>cropY;
  hevcLog2MaxPocLsb = log2MaxPocLsb;
  hevcReorderPics = <i32>reorder;
  hevcSeparateColourPlane = separate;
  hevcSpsTimeScale = spsTimingScale;
  hevcSpsUnitsInTick = spsTimingUnits;
  hevcSpsMaxSubLayers = maxSub + 1;
  hevcTemporalIdNested = nested;
  hevcChromaFormat = chroma;
  hevcBitDepthLuma = depthLuma;
  hevcBitDepthChroma = depthChroma;
  hevcMinSpatialSegmentation = spsMinSpatialSegmentation;
  return true;
}

/** Parses a PPS NAL for the fields slice headers depend on; stores it. False if malformed. */
export function parseHevcPps(ptr: usize, len: u32): bool {
  if (len < 3 || len > HEVC_MAX_PARAM_SET) return false;
  bitsLoad(ptr + 2, len - 2);
  readUE(); // pps_pic_parameter_set_id
  readUE(); // pps_seq_parameter_set_id
  let dependent = readBit() == 1;
  let outputFlag = readBit() == 1;
  let extraBits = readBits(3);
  if (bitsOverrun) return false;
  // On to tiles_enabled_flag and entropy_coding_sync_enabled_flag (7.3.2.3.1), for hvcC's parallelismType.
  skipBits(2); // sign_data_hiding_enabled_flag, cabac_init_present_flag
  readUE(); // num_ref_idx_l0_default_active_minus1
  readUE(); // num_ref_idx_l1_default_active_minus1
  readSE(); // init_qp_minus26
  skipBits(2); // constrained_intra_pred_flag, transform_skip_enabled_flag
  if (readBit()) readUE(); // cu_qp_delta_enabled_flag: diff_cu_qp_delta_depth
  readSE(); // pps_cb_qp_offset
  readSE(); // pps_cr_qp_offset
  skipBits(4); // slice chroma qp offsets present, weighted pred, weighted bipred, transquant bypass
  let tiles = readBit() == 1;
  let wavefronts = readBit() == 1;
  // (A PPS too short for these still serves the slice headers: the flags are then taken as off.)
  if (bitsOverrun) tiles = wavefronts = false;
  memory.copy(hevcPpsStore, ptr, len);
  hevcPpsLength = len;
  ppsDependentSlices = dependent;
  ppsOutputFlagPresent = outputFlag;
  ppsExtraSliceHeaderBits = extraBits;
  hevcPpsTiles = tiles;
  hevcPpsWavefronts = wavefronts;
  return true;
}

// ---- Slice segment header (first fields only) ----

export let hevcSlicePocLsb: u32 = 0;

/** Reads the first slice segment header of a picture up to slice_pic_order_cnt_lsb. `ptr` is the NAL header. */
export function parseHevcSliceHeader(ptr: usize, len: u32): bool {
  if (len < 3) return false;
  let type = hevcNalType(load<u8>(ptr));
  bitsLoad(ptr + 2, len - 2 < 64 ? len - 2 : 64);
  let firstInPicture = readBit() == 1;
  if (type >= HEVC_BLA_W_LP && type <= HEVC_RSV_IRAP_23) skipBits(1); // no_output_of_prior_pics_flag
  readUE(); // slice_pic_parameter_set_id
  if (!firstInPicture) return false; // (callers pass the picture's first segment only)
  if (ppsDependentSlices) skipBits(1); // dependent_slice_segment_flag (0 in a picture's first segment)
  skipBits(ppsExtraSliceHeaderBits);
  readUE(); // slice_type
  if (ppsOutputFlagPresent) skipBits(1);
  if (hevcSeparateColourPlane) skipBits(2);
  hevcSlicePocLsb = type == HEVC_IDR_W_RADL || type == HEVC_IDR_N_LP ? 0 : readBits(hevcLog2MaxPocLsb);
  return !bitsOverrun;
}
