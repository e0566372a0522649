// The first picture of an fMP4 I-frame range (a segment's first keyframeBytes: moof, mdat header, the samples up to
// the end of the first video sample) read with its init segment (ftyp, moov), as WebCodecs' VideoDecoder takes it:
// the codec string and description (the avcC or hvcC record, ISO/IEC 14496-15) from the init segment's video
// track, and the sample (length-prefixed NAL units) from the range. Boxes are ISO/IEC 14496-12.

import { avcCodecText } from "./ts-picture.js";

const SAMPLE_ENTRIES = new Set(["avc1", "avc3", "hvc1", "hev1"]);
/** Bytes of a VisualSampleEntry before its child boxes (avcC, hvcC): SampleEntry's 8, then 70. */
const VISUAL_SAMPLE_ENTRY_BYTES = 78;

const u32 = (b, at) => ((b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]) >>> 0;
const fourcc = (b, at) => String.fromCharCode(b[at], b[at + 1], b[at + 2], b[at + 3]);

/** The boxes in bytes[start, end): {type, start, end, body}; stops at a box that does not fit (a cut range). */
function boxes(b, start = 0, end = b.length) {
  const out = [];
  for (let at = start; at + 8 <= end; ) {
    let size = u32(b, at);
    let header = 8;
    if (size === 1) {
      // 64-bit largesize: more than 4 GiB cannot be in a page's range anyway, but its high word may be 0.
      if (at + 16 > end || u32(b, at + 8) !== 0) break;
      size = u32(b, at + 12);
      header = 16;
    } else if (size === 0) {
      size = end - at; // to the end of its container
    }
    if (size < header) break;
    out.push({ type: fourcc(b, at + 4), start: at, end: Math.min(at + size, end), whole: at + size <= end, body: at + header });
    at += size;
  }
  return out;
}

const child = (b, box, type, skip = 0) => boxes(b, box.body + skip, box.end).find((c) => c.type === type);

/** A FullBox's version and flags. */
const fullBox = (b, box) => ({ version: b[box.body], flags: u32(b, box.body) & 0xffffff });

/**
 * The video track of an init segment: {trackId, codec, description}, or undefined when it has none we read
 * (moov, trak, tkhd, mdia, hdlr "vide", minf, stbl, stsd, avc1/avc3/hvc1/hev1, avcC/hvcC).
 */
export function initVideoTrack(init) {
  const moov = boxes(init).find((x) => x.type === "moov" && x.whole);
  if (!moov) return undefined;
  for (const trak of boxes(init, moov.body, moov.end).filter((x) => x.type === "trak")) {
    const tkhd = child(init, trak, "tkhd");
    const mdia = child(init, trak, "mdia");
    const hdlr = mdia && child(init, mdia, "hdlr");
    if (!tkhd || !hdlr || fourcc(init, hdlr.body + 8) !== "vide") continue;
    // tkhd: version 1 has 64-bit creation and modification times before track_ID.
    const trackId = u32(init, tkhd.body + (fullBox(init, tkhd).version === 1 ? 20 : 12));
    const minf = child(init, mdia, "minf");
    const stbl = minf && child(init, minf, "stbl");
    const stsd = stbl && child(init, stbl, "stsd");
    if (!stsd) continue;
    // stsd: FullBox header and entry_count, then the sample entries.
    const entry = boxes(init, stsd.body + 8, stsd.end).find((x) => SAMPLE_ENTRIES.has(x.type));
    if (!entry) continue;
    const hevc = entry.type.startsWith("h");
    const config = child(init, entry, hevc ? "hvcC" : "avcC", VISUAL_SAMPLE_ENTRY_BYTES);
    if (!config || config.end - config.body < (hevc ? 23 : 7)) continue;
    const description = init.slice(config.body, config.end);
    return { trackId, codec: hevc ? hevcCodecString(entry.type, description) : avcCodecText(entry.type, description, 1), description };
  }
  return undefined;
}

/**
 * ISO/IEC 14496-15 E.3 from the HEVCDecoderConfigurationRecord: "hvc1.[A-C]<profile_idc>.<compatibility flags,
 * bit-reversed, hex>.<L|H><level_idc>" then the six constraint bytes in hex, trailing zero bytes left out.
 */
function hevcCodecString(entry, hvcC) {
  const space = ["", "A", "B", "C"][hvcC[1] >> 6];
  const tier = (hvcC[1] >> 5) & 1 ? "H" : "L";
  let flags = u32(hvcC, 2);
  let reversed = 0;
  for (let i = 0; i < 32; i++, flags >>>= 1) reversed = ((reversed << 1) | (flags & 1)) >>> 0;
  const constraints = Array.from(hvcC.subarray(6, 12));
  while (constraints.length && constraints[constraints.length - 1] === 0) constraints.pop();
  const tail = constraints.map((c) => "." + c.toString(16).toUpperCase()).join("");
  return `${entry}.${space}${hvcC[1] & 0x1f}.${reversed.toString(16).toUpperCase()}.${tier}${hvcC[12]}${tail}`;
}

/**
 * The first sample of track `trackId` in a range starting with a moof (moof, traf, tfhd, trun), or undefined when
 * the range holds no moof, no such track, or is cut before the sample ends.
 */
export function firstSample(range, trackId) {
  const moof = boxes(range)[0];
  if (!moof || moof.type !== "moof" || !moof.whole) return undefined;
  for (const traf of boxes(range, moof.body, moof.end).filter((x) => x.type === "traf")) {
    const tfhd = child(range, traf, "tfhd");
    const trun = child(range, traf, "trun");
    if (!tfhd || !trun || u32(range, tfhd.body + 4) !== trackId) continue;
    // tfhd: track_ID, then the optional fields its flags announce, in this order.
    const tf = fullBox(range, tfhd).flags;
    let at = tfhd.body + 8;
    let base = moof.start; // default-base-is-moof (and where a first traf without a base starts)
    if (tf & 0x1) {
      if (u32(range, at) !== 0) return undefined; // a base past 4 GiB is not in this range
      base = u32(range, at + 4);
      at += 8;
    }
    if (tf & 0x2) at += 4; // sample_description_index
    if (tf & 0x8) at += 4; // default_sample_duration
    const defaultSize = tf & 0x10 ? u32(range, at) : undefined;
    // trun: sample_count, data_offset, first_sample_flags, then the first sample's duration and size.
    const rf = fullBox(range, trun).flags;
    if (u32(range, trun.body + 4) === 0) return undefined;
    let p = trun.body + 8;
    const dataOffset = rf & 0x1 ? u32(range, p) | 0 : 0;
    if (rf & 0x1) p += 4;
    if (rf & 0x4) p += 4;
    if (rf & 0x100) p += 4;
    const size = rf & 0x200 ? u32(range, p) : defaultSize;
    const start = base + dataOffset;
    if (size === undefined || start < moof.end || start + size > range.length) return undefined;
    return range.subarray(start, start + size);
  }
  return undefined;
}

/** Whether a range is fMP4 (it starts with a moof box), not TS. */
export const isFragment = (range) => range.length >= 8 && fourcc(range, 4) === "moof";
