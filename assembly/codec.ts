// Which video codec the core is muxing: H.264 or H.265, set by the host (setCodec) or seen in the stream.
// In auto mode the first NAL unit decides: an HEVC VPS, SPS, PPS or AUD header (type 32-35, layer 0, TemporalId 0:
// bytes 0x40/0x42/0x44/0x46 then 0x01) is H.265; those bytes are not a usable H.264 NAL unit (types 0, 2, 4 and an
// SEI with nal_ref_idc 2), so an H.264 stream is never taken for H.265 and its output is unchanged.
//
// Streams we recognise but do not carry are refused by name (codecRefusal), whatever the setting: H.266/VVC, whose
// two-byte NAL header has a zero first byte (forbidden bit, reserved bit, layer 0) and a parameter set, AUD, SEI or
// IRAP type with TemporalId 0 in the second (H.266 7.3.1.2, Table 5) — a zero first byte is no H.264 NAL unit
// (type 0) and no base-layer HEVC one; and MJPEG, whose frames start with a JPEG SOI marker and no start code.
import { CODEC_AUTO, CODEC_H265, CONTAINER_TS, CONTAINER_FMP4, OK, DROP_CODEC_H266, DROP_CODEC_MJPEG } from "./abi";

let codecSetting: u32 = CODEC_AUTO;
export let codecIsHevc: bool = false;
export let codecDecided: bool = false;
/** OK, or DROP_CODEC_H266 / DROP_CODEC_MJPEG once the stream showed it is one of those. */
export let codecRefusal: i32 = OK;
let codecLooked: bool = false; // the stream's first bytes were seen

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
  codecRefusal = OK;
  codecLooked = false;
}

/** H.266 nal_unit_type values a VVC stream starts with: IDR_W_RADL..CRA (7-9), OPI, DCI, VPS, SPS, PPS (12-16), AUD (20), prefix SEI (23). */
function vvcLeadingType(type: u32): bool {
  return (type >= 7 && type <= 9) || (type >= 12 && type <= 16) || type == 20 || type == 23;
}

/** Looks at the first bytes of the stream (or frame) at p, before any start code: a JPEG SOI is MJPEG. */
export function codecSeeStart(p: usize, avail: u32): void {
  if (codecLooked || avail < 3) return;
  if (load<u8>(p) == 0xff && load<u8>(p + 1) == 0xd8 && load<u8>(p + 2) == 0xff) {
    codecRefusal = DROP_CODEC_MJPEG;
    codecLooked = true;
  }
}

/** Looks at the first NAL header of the stream (header at ptr, avail bytes); decides the codec once. */
export function codecSeeNal(header: usize, avail: u32): void {
  if (avail < 2) return;
  let b0 = load<u8>(header);
  if (!codecLooked) {
    codecLooked = true;
    let b1 = load<u8>(header + 1);
    if (b0 == 0 && (b1 & 7) == 1 && vvcLeadingType(<u32>b1 >>> 3)) codecRefusal = DROP_CODEC_H266;
  }
  if (codecDecided) return;
  codecIsHevc = (b0 == 0x40 || b0 == 0x42 || b0 == 0x44 || b0 == 0x46) && load<u8>(header + 1) == 0x01;
  codecDecided = true;
}
