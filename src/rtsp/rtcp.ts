// RTCP (RFC 3550 section 6): the sender reports that map a stream's RTP clock to the sender's NTP wall clock,
// and BYE. A compound packet holds several RTCP packets back to back. Over UDP we send receiver reports back:
// some cameras stop sending to a receiver they have not heard from, and they open a NAT's path for RTCP.

export interface SenderReport {
  ssrc: number;
  /** The sender's wall clock at `rtpTimestamp`, ms since the Unix epoch (fractional). */
  ntpMs: number;
  rtpTimestamp: number;
}

export interface RtcpContents {
  senderReports: SenderReport[];
  /** SSRCs that said BYE. */
  bye: number[];
}

const SR = 200;
const RR = 201;
const SDES = 202;
const BYE = 203;
const SDES_CNAME = 1;
/** Seconds from the NTP epoch (1900) to the Unix epoch (1970). */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

const u32 = (d: Uint8Array, at: number) => ((d[at] << 24) | (d[at + 1] << 16) | (d[at + 2] << 8) | d[at + 3]) >>> 0;

/** Parses a compound RTCP packet; stops at the first malformed part. */
export function parseRtcp(data: Uint8Array): RtcpContents {
  const out: RtcpContents = { senderReports: [], bye: [] };
  let at = 0;
  while (at + 4 <= data.length) {
    if (data[at] >> 6 !== 2) break;
    const count = data[at] & 0x1f;
    const type = data[at + 1];
    const length = 4 * (((data[at + 2] << 8) | data[at + 3]) + 1);
    if (at + length > data.length) break;
    if (type === SR && length >= 28) {
      const seconds = u32(data, at + 8);
      const fraction = u32(data, at + 12);
      out.senderReports.push({
        ssrc: u32(data, at + 4),
        ntpMs: (seconds - NTP_UNIX_OFFSET_S) * 1000 + (fraction / 2 ** 32) * 1000,
        rtpTimestamp: u32(data, at + 16),
      });
    } else if (type === BYE) {
      for (let k = 0; k < count && 4 + 4 * k + 4 <= length; k++) out.bye.push(u32(data, at + 4 + 4 * k));
    }
    at += length;
  }
  return out;
}

/** What a receiver report says about one source. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction of packets lost since the previous report, 0..1. */
  fractionLost: number;
  cumulativeLost: number;
  /** Extended highest sequence number received. */
  highest: number;
  /** The source's latest sender report and how long ago (ms) it arrived. */
  lastReport?: { ntpMs: number; ageMs: number };
}

/** A compound RTCP packet: a receiver report (with one block when there is a source) and our CNAME (SDES). */
export function receiverReport(ownSsrc: number, cname: string, block?: ReportBlock): Uint8Array {
  const name = Buffer.from(cname.slice(0, 255), "utf8");
  const rrLength = 8 + (block ? 24 : 0);
  const sdesLength = (8 + 2 + name.length + 1 + 3) & ~3; // header, SSRC, item, end marker, padding to 32 bits
  const out = new Uint8Array(rrLength + sdesLength);
  const view = new DataView(out.buffer);
  view.setUint8(0, 0x80 | (block ? 1 : 0));
  view.setUint8(1, RR);
  view.setUint16(2, rrLength / 4 - 1);
  view.setUint32(4, ownSsrc >>> 0);
  if (block) {
    view.setUint32(8, block.ssrc >>> 0);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)) & 0xffffff;
    view.setUint32(12, ((Math.min(255, Math.floor(block.fractionLost * 256)) << 24) | lost) >>> 0);
    view.setUint32(16, block.highest >>> 0);
    view.setUint32(20, 0); // interarrival jitter: not estimated
    if (block.lastReport) {
      // LSR: the middle 32 bits of the report's NTP time; DLSR: the delay since, in 1/65536 s.
      const seconds = Math.floor(block.lastReport.ntpMs / 1000) + NTP_UNIX_OFFSET_S;
      const fraction = Math.floor(((block.lastReport.ntpMs % 1000) / 1000) * 65536);
      view.setUint32(24, (((seconds & 0xffff) << 16) | fraction) >>> 0);
      view.setUint32(28, Math.min(0xffffffff, Math.round((block.lastReport.ageMs / 1000) * 65536)));
    }
  }
  const at = rrLength;
  view.setUint8(at, 0x81);
  view.setUint8(at + 1, SDES);
  view.setUint16(at + 2, sdesLength / 4 - 1);
  view.setUint32(at + 4, ownSsrc >>> 0);
  out[at + 8] = SDES_CNAME;
  out[at + 9] = name.length;
  out.set(name, at + 10);
  return out; // the end marker and padding are the zeros left after the name
}
