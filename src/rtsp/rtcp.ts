// RTCP (RFC 3550 section 6): the sender reports that map a stream's RTP clock to the sender's NTP wall clock,
// and BYE. A compound packet holds several RTCP packets back to back.

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
const BYE = 203;
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
