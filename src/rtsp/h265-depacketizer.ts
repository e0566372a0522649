// H.265 over RTP (RFC 7798) → Annex B access units (the assembly and loss rules: video-depacketizer.ts).
//
// Packetizations: single NAL unit (types 0-47), Aggregation Packets (48), Fragmentation Units (49). The payload
// header is two bytes (F, type, LayerId, TID), like the NAL header. Streams with DONL/DOND fields
// (sprop-max-don-diff > 0) are refused before SETUP (tracks.ts), so none are read here. PACI packets (50) are
// not unpacked: counted, and their access unit is lost as "unsupported", as are the unspecified types 51-63 and
// FUs that claim to carry one of 48-63.
// Parameter sets from the SDP (sprop-vps, sprop-sps, sprop-pps) are put before each IRAP picture that has none.
import { VideoDepacketizer, type NalRules, type VideoOutput } from "./video-depacketizer.js";

const VPS = 32;
const SPS = 33;
const PPS = 34;
const AUD = 35;
const PREFIX_SEI = 39;
const AGGREGATION = 48;
const FRAGMENT = 49;
const PACI = 50;
/** IRAP pictures: BLA (16-18), IDR (19, 20), CRA (21) and the reserved 22-23. */
const IRAP_FIRST = 16;
const IRAP_LAST = 23;

export const nalTypeH265 = (firstByte: number) => (firstByte >> 1) & 0x3f;

const H265_RULES: NalRules = {
  typeAt: (bytes, at) => nalTypeH265(bytes[at]),
  beginsUnit: (type) => type === AUD || type === VPS || type === SPS || type === PPS || type === PREFIX_SEI,
  isSps: (type) => type === SPS,
  isRandomAccess: (type) => type >= IRAP_FIRST && type <= IRAP_LAST,
};

export class H265Depacketizer extends VideoDepacketizer {
  /** PACI packets (RFC 7798 4.4.4) seen: not unpacked, their units lost. */
  paciPackets = 0;
  /** The NAL header a FU's first fragment rebuilds (two bytes, reused). */
  private readonly header = new Uint8Array(2);

  constructor(output: VideoOutput, /** VPS, SPS and PPS NAL units from the SDP, without start codes. */ parameterSets: readonly Uint8Array[] = []) {
    super(output, parameterSets, H265_RULES);
  }

  protected depacketize(payload: Uint8Array): void {
    if (payload.length < 2) return; // not even a payload header
    const type = nalTypeH265(payload[0]);
    if (type < AGGREGATION) this.nal(payload, 0, payload.length);
    else if (type === AGGREGATION) this.aggregate(payload, 2);
    else if (type === FRAGMENT) {
      if (payload.length < 4) return;
      const fu = payload[2];
      const nalType = fu & 0x3f;
      if (nalType >= AGGREGATION) {
        this.unsupported(); // a FU cannot carry an AP, a FU or a PACI (RFC 7798 4.4.3)
        return;
      }
      // The payload header with the fragment's type in place of 49: F and LayerId's top bit, then LayerId and TID.
      this.header[0] = (payload[0] & 0x81) | (nalType << 1);
      this.header[1] = payload[1];
      this.fragment(payload, 3, (fu & 0x80) !== 0, (fu & 0x40) !== 0, nalType, this.header);
    } else {
      if (type === PACI) this.paciPackets++;
      this.unsupported();
    }
  }
}
