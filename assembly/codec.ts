// Which video codec the core is muxing: H.264 or H.265, set by the host (setCodec) or seen in the stream.
// In auto mode the first NAL unit decides: an HEVC VPS, SPS, PPS or AUD header (type 32-35, layer 0, TemporalId 0:
// bytes 0x40/0x42/0x44/0x46 then 0x01) is H.265; those bytes are not a usable H.264 NAL unit (types 0, 2, 4 and an
// SEI with nal_ref_idc 2), so an H.264 stream is never taken for H.265 and its output is unchanged.
import { CODEC_AUTO, CODEC_H265, CONTAINER_TS, CONTAINER_FMP4 } from "./abi";

let codecSetting: u32 = CODEC_AUTO;
export let codecIsHevc: bool = false;
export let codecDecided: bool = false;

/**
 * The container a codec gets when the host does not choose one (CONTAINER_AUTO): MPEG-TS for H.264, as always;
 * fMP4 for H.265, which Apple's HLS rules require for HEVC.
 */
export function containerForCodec(hevc: bool): u32 {
  return hevc ? CONTAINER_FMP4 : CONTAINER_TS;
}

/** Back to the host's setting (init and setCodec). */
export function codecReset(setting: u32): void {
  codecSetting = setting;
  codecIsHevc = setting == CODEC_H265;
  codecDecided = setting != CODEC_AUTO;
}

/** Looks at the first NAL header of the stream (header at ptr, avail bytes); decides the codec once. */
export function codecSeeNal(header: usize, avail: u32): void {
  if (codecDecided || avail < 2) return;
  let b0 = load<u8>(header);
  codecIsHevc = (b0 == 0x40 || b0 == 0x42 || b0 == 0x44 || b0 == 0x46) && load<u8>(header + 1) == 0x01;
  codecDecided = true;
}
