// The NAL units the muxer writes in front of each access unit: our own AUD, and the stored parameter sets an
// IDR (H.264) or IRAP (H.265) picture lacks, so that every segment starts decodable.
import { codecIsHevc } from "./codec";
import { auIsIdr, auHasVps, auHasSps, auHasPps } from "./access-unit";
import { spsStore, spsLength, ppsStore, ppsLength, NAL_AUD } from "./h264";
import { vpsStore, vpsLength, hevcSpsStore, hevcSpsLength, hevcPpsStore, hevcPpsLength, HEVC_AUD } from "./h265";

const START_CODE: u32 = 0x01000000; // 00 00 00 01 in memory order

/** The parameter sets needed before a picture are known. */
export function parameterSetsKnown(): bool {
  return codecIsHevc ? vpsLength != 0 && hevcSpsLength != 0 && hevcPpsLength != 0 : spsLength != 0 && ppsLength != 0;
}

function setLength(needed: bool, length: u32): u32 {
  return needed ? 4 + length : 0;
}

/** Bytes writeVideoPrefix writes for the access unit scanned last. */
export function videoPrefixLength(): u32 {
  if (codecIsHevc) {
    return 7 + setLength(auIsIdr && !auHasVps, vpsLength) + setLength(auIsIdr && !auHasSps, hevcSpsLength) + setLength(auIsIdr && !auHasPps, hevcPpsLength);
  }
  return 6 + setLength(auIsIdr && !auHasSps, spsLength) + setLength(auIsIdr && !auHasPps, ppsLength);
}

function writeSet(p: usize, needed: bool, saved: usize, length: u32): usize {
  if (!needed) return p;
  store<u32>(p, START_CODE);
  memory.copy(p + 4, saved, length);
  return p + 4 + length;
}

/** Writes the AUD and the missing parameter sets at p; returns the end. */
export function writeVideoPrefix(p: usize): usize {
  store<u32>(p, START_CODE);
  if (codecIsHevc) {
    store<u8>(p + 4, <u8>(HEVC_AUD << 1)); // layer 0
    store<u8>(p + 5, 0x01); // TemporalId 0
    store<u8>(p + 6, 0x50); // pic_type 2 (I, P or B slices), then the stop bit
    p += 7;
    p = writeSet(p, auIsIdr && !auHasVps, vpsStore, vpsLength);
    p = writeSet(p, auIsIdr && !auHasSps, hevcSpsStore, hevcSpsLength);
    return writeSet(p, auIsIdr && !auHasPps, hevcPpsStore, hevcPpsLength);
  }
  store<u8>(p + 4, <u8>NAL_AUD); // nal_ref_idc 0
  store<u8>(p + 5, 0xf0); // primary_pic_type 7 (any slice type), then the stop bit
  p += 6;
  p = writeSet(p, auIsIdr && !auHasSps, spsStore, spsLength);
  return writeSet(p, auIsIdr && !auHasPps, ppsStore, ppsLength);
}
