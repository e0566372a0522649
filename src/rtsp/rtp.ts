// RTP (RFC 3550) fixed header, and the sequence numbers of one stream: 16-bit, wrapping, gaps mean lost packets.

/** One parsed packet; reused for every packet of a stream (no allocation per packet). */
export interface RtpPacket {
  marker: boolean;
  payloadType: number;
  sequence: number;
  /** 32-bit, unsigned. */
  timestamp: number;
  ssrc: number;
  payload: Uint8Array;
}

export function newRtpPacket(): RtpPacket {
  return { marker: false, payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(0) };
}

/** Parses into `out`; false when this is not an RTP version 2 packet or its lengths do not add up. */
export function parseRtp(data: Uint8Array, out: RtpPacket): boolean {
  if (data.length < 12 || data[0] >> 6 !== 2) return false;
  const csrcCount = data[0] & 0x0f;
  let start = 12 + 4 * csrcCount;
  if (data[0] & 0x10) {
    // Header extension: 16-bit profile, 16-bit length in 32-bit words.
    if (data.length < start + 4) return false;
    start += 4 + 4 * ((data[start + 2] << 8) | data[start + 3]);
  }
  let end = data.length;
  if (data[0] & 0x20) end -= data[data.length - 1]; // padding: its last byte counts it
  if (end < start) return false;
  out.marker = (data[1] & 0x80) !== 0;
  out.payloadType = data[1] & 0x7f;
  out.sequence = (data[2] << 8) | data[3];
  out.timestamp = ((data[4] << 24) | (data[5] << 16) | (data[6] << 8) | data[7]) >>> 0;
  out.ssrc = ((data[8] << 24) | (data[9] << 16) | (data[10] << 8) | data[11]) >>> 0;
  out.payload = data.subarray(start, end);
  return true;
}

/**
 * What one packet's sequence number says about the packets before it: "in-order" (the next one expected, or the
 * first), "gap" (packets are missing before it, counted in `lost`), "old" (a duplicate or a late packet, already
 * given up as lost: ignore it).
 */
export type SequenceVerdict = "in-order" | "gap" | "old";

/** Packets that arrive more than this far behind are taken as a restarted sender rather than late ones. */
const MAX_LATE = 3000;

export class SequenceTracker {
  lost = 0;
  /** Packets taken (in order or after a gap). */
  received = 0;
  private last = -1;
  /** 65536 × the times the numbering wrapped. */
  private cycles = 0;

  /**
   * The first packet's number as the PLAY answer's RTP-Info says (seq=): packets lost before the first one that
   * arrives are then a gap too, so a unit whose start was lost is not taken as whole. Only before any packet.
   */
  expectFirst(sequence: number): void {
    if (this.last < 0 && this.received === 0) this.last = (sequence - 1) & 0xffff;
  }

  next(sequence: number): SequenceVerdict {
    if (this.last < 0) {
      this.last = sequence;
      this.received++;
      return "in-order";
    }
    const delta = (sequence - this.last) & 0xffff; // 1 is in order, across the wrap at 65535 too
    if (delta === 0 || delta > 0x10000 - MAX_LATE) return "old";
    this.received++;
    if (sequence < this.last) this.cycles += 0x10000;
    this.last = sequence;
    if (delta === 1) return "in-order";
    // A gap (or a sender that restarted its numbering far away: the frame in progress is damaged either way).
    this.lost += delta < 0x8000 ? delta - 1 : 1;
    return "gap";
  }

  /** The extended highest sequence number received (RFC 3550 6.4.1), -1 before the first packet. */
  get highest(): number {
    return this.last < 0 ? -1 : this.cycles + this.last;
  }
}
