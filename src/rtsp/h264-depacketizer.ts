// H.264 over RTP (RFC 6184) → Annex B access units (the assembly and loss rules: video-depacketizer.ts).
//
// Packetizations: single NAL unit (types 1-23), STAP-A (24), FU-A (28). STAP-B, MTAP and FU-B (interleaved
// mode) are refused: the frame they belong to is reported lost as "unsupported".
// Parameter sets from the SDP (sprop-parameter-sets) are put before each IDR that has none in band.
import { VideoDepacketizer, type NalRules, type VideoOutput } from "./video-depacketizer.js";

const NAL_SEI = 6;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;
const NAL_IDR = 5;
const STAP_A = 24;
const FU_A = 28;

const H264_RULES: NalRules = {
  typeAt: (bytes, at) => bytes[at] & 0x1f,
  beginsUnit: (type) => type === NAL_AUD || type === NAL_SPS || type === NAL_PPS || type === NAL_SEI,
  isSps: (type) => type === NAL_SPS,
  isRandomAccess: (type) => type === NAL_IDR,
};

export type H264Output = VideoOutput;

export class H264Depacketizer extends VideoDepacketizer {
  /** The NAL header a FU-A's first fragment rebuilds (one byte, reused). */
  private readonly header = new Uint8Array(1);

  constructor(output: VideoOutput, /** SPS and PPS NAL units from the SDP, without start codes. */ parameterSets: readonly Uint8Array[] = []) {
    super(output, parameterSets, H264_RULES);
  }

  protected depacketize(payload: Uint8Array): void {
    const type = payload[0] & 0x1f;
    if (type >= 1 && type <= 23) this.nal(payload, 0, payload.length);
    else if (type === STAP_A) this.aggregate(payload, 1);
    else if (type === FU_A) {
      if (payload.length < 3) return;
      const fu = payload[1];
      const nalType = fu & 0x1f;
      this.header[0] = (payload[0] & 0xe0) | nalType;
      this.fragment(payload, 2, (fu & 0x80) !== 0, (fu & 0x40) !== 0, nalType, this.header);
    } else this.unsupported();
  }
}
