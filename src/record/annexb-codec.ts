// Which codec an Annex B stream carries, from its first NAL unit, for the sources that must know before the first
// frame (the live pipe's splitter, the recorder made for the codec). The rule is the core's (assembly/codec.ts):
// an HEVC VPS, SPS, PPS or AUD header (types 32-35, layer 0, TemporalId 0: 0x40/0x42/0x44/0x46 then 0x01) is
// H.265, anything else H.264.
import type { RecordedCodec } from "./source.js";

/** The codec, or undefined when the bytes hold no whole NAL header yet. */
export function annexBCodec(bytes: Uint8Array): RecordedCodec | undefined {
  for (let one = bytes.indexOf(1, 2); one >= 0 && one + 2 < bytes.length; one = bytes.indexOf(1, one + 1)) {
    if (bytes[one - 1] !== 0 || bytes[one - 2] !== 0) continue;
    const b0 = bytes[one + 1];
    return (b0 === 0x40 || b0 === 0x42 || b0 === 0x44 || b0 === 0x46) && bytes[one + 2] === 0x01 ? "h265" : "h264";
  }
  return undefined;
}
