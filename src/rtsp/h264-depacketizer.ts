// H.264 over RTP (RFC 6184) → Annex B access units, assembled in place in the sink's buffer (4-byte start codes).
//
// Packetizations: single NAL unit (types 1-23), STAP-A (24), FU-A (28). STAP-B, MTAP and FU-B (interleaved
// mode) are refused: the frame they belong to is reported lost as "unsupported".
// An access unit ends at the RTP marker bit, or when the timestamp changes (a lost or missing marker).
// A sequence gap damages the access unit it falls in: the unit is dropped and reported lost, never handed over
// with a hole. When the lost packets lie between two units, the next one is kept only if it visibly starts
// whole (with an AUD, SPS, PPS or SEI); the lost units themselves are reported as one lost frame.
// Parameter sets from the SDP (sprop-parameter-sets) are put before each IDR that has none in band.
import type { VideoLostReason } from "./index.js";

const START_CODE_LENGTH = 4;
const NAL_SEI = 6;
const NAL_SPS = 7;
const NAL_PPS = 8;
const NAL_AUD = 9;
const NAL_IDR = 5;
const STAP_A = 24;
const FU_A = 28;

export interface H264Output {
  /** Where the next access unit is assembled (read at the start of each). */
  target(): Uint8Array;
  /** A whole access unit is in target()[0, length). */
  frame(length: number, rtpTimestamp: number): void;
  lost(reason: VideoLostReason): void;
}

export class H264Depacketizer {
  /** Packets of a packetization we do not support. */
  unsupportedPackets = 0;
  private target: Uint8Array = new Uint8Array(0);
  private active = false;
  private timestamp = 0;
  private length = 0;
  private damage: VideoLostReason | undefined;
  private tooLarge = false;
  /** Packets were lost just before this unit began: it must show that it starts whole. */
  private startUncertain = false;
  /** ... and the unit before had ended: if this one starts whole, the lost packets were whole units. */
  private unitsLostBefore = false;
  /** Whole units were lost before this one, which starts intact: one lost frame to report. */
  private lostUnitsBefore = false;
  private nalCount = 0;
  private hasSps = false;
  private fragmentOpen = false;

  constructor(
    private readonly output: H264Output,
    /** SPS and PPS NAL units from the SDP, without start codes. */
    private readonly parameterSets: readonly Uint8Array[] = [],
  ) {}

  /** True while an access unit is being assembled in the target (the target must not be touched). */
  get assembling(): boolean {
    return this.active;
  }

  /** One RTP payload. lossBefore: packets are missing between the previous packet and this one. */
  push(payload: Uint8Array, timestamp: number, marker: boolean, lossBefore: boolean): void {
    const hadUnit = this.active;
    if (lossBefore && hadUnit) this.damage ??= "packet-loss";
    if (hadUnit && timestamp !== this.timestamp) this.finish();
    // Lost packets after a finished unit: whole units went missing, or this one's start did (or both).
    if (!this.active) this.begin(timestamp, lossBefore, lossBefore && !hadUnit);
    if (payload.length > 0) this.depacketize(payload);
    if (marker) this.finish();
  }

  /** The stream ended: a unit in progress is incomplete and dropped (the session is over: nothing to report). */
  abandon(): void {
    this.active = false;
  }

  private begin(timestamp: number, lossBefore: boolean, unitsLostBefore: boolean): void {
    this.active = true;
    this.timestamp = timestamp;
    this.target = this.output.target();
    this.length = 0;
    this.damage = undefined;
    this.tooLarge = false;
    this.startUncertain = lossBefore;
    this.unitsLostBefore = unitsLostBefore;
    this.lostUnitsBefore = false;
    this.nalCount = 0;
    this.hasSps = false;
    this.fragmentOpen = false;
  }

  private finish(): void {
    this.active = false;
    if (this.fragmentOpen) this.damage ??= "packet-loss"; // the last fragment (with the end bit) never came
    if (this.lostUnitsBefore) this.output.lost("packet-loss");
    if (this.damage) this.output.lost(this.damage);
    else if (this.tooLarge) this.output.lost("too-large");
    else if (this.length > 0) this.output.frame(this.length, this.timestamp);
  }

  private depacketize(payload: Uint8Array): void {
    const type = payload[0] & 0x1f;
    if (type >= 1 && type <= 23) {
      this.nalStart(type);
      this.write(payload, 0, payload.length);
    } else if (type === STAP_A) {
      for (let at = 1; at + 2 <= payload.length; ) {
        const size = (payload[at] << 8) | payload[at + 1];
        at += 2;
        if (size === 0 || at + size > payload.length) {
          this.damage ??= "packet-loss"; // a truncated aggregate: treat like a lost piece
          return;
        }
        this.nalStart(payload[at] & 0x1f);
        this.write(payload, at, at + size);
        at += size;
      }
    } else if (type === FU_A) {
      if (payload.length < 3) return;
      const header = payload[1];
      const start = (header & 0x80) !== 0;
      const end = (header & 0x40) !== 0;
      if (start) {
        if (this.fragmentOpen) this.damage ??= "packet-loss";
        const nalType = header & 0x1f;
        this.nalStart(nalType);
        this.write1((payload[0] & 0xe0) | nalType);
        this.fragmentOpen = true;
      } else if (!this.fragmentOpen) {
        this.damage ??= "packet-loss"; // its start was lost
        return;
      }
      this.write(payload, 2, payload.length);
      if (end) this.fragmentOpen = false;
    } else {
      this.unsupportedPackets++;
      this.damage ??= "unsupported";
    }
  }

  /** Before each NAL unit: the start code, and what its type says about the unit. */
  private nalStart(type: number): void {
    if (this.nalCount++ === 0 && this.startUncertain) {
      this.startUncertain = false;
      if (type === NAL_AUD || type === NAL_SPS || type === NAL_PPS || type === NAL_SEI) {
        this.lostUnitsBefore = this.unitsLostBefore; // reported when this one is done (the target is in use now)
      } else {
        this.damage ??= "packet-loss";
      }
    }
    if (type === NAL_SPS) this.hasSps = true;
    if (type === NAL_IDR && !this.hasSps && this.parameterSets.length > 0) {
      this.hasSps = true;
      for (const set of this.parameterSets) {
        this.startCode();
        this.write(set, 0, set.length);
      }
    }
    this.startCode();
  }

  private startCode(): void {
    if (this.length + START_CODE_LENGTH > this.target.length) {
      this.tooLarge = true;
      return;
    }
    const t = this.target;
    t[this.length] = 0;
    t[this.length + 1] = 0;
    t[this.length + 2] = 0;
    t[this.length + 3] = 1;
    this.length += START_CODE_LENGTH;
  }

  private write1(byte: number): void {
    if (this.length + 1 > this.target.length) {
      this.tooLarge = true;
      return;
    }
    this.target[this.length++] = byte;
  }

  private write(source: Uint8Array, from: number, to: number): void {
    if (this.tooLarge || this.damage) return; // the unit is lost anyway: save the copy
    if (this.length + (to - from) > this.target.length) {
      this.tooLarge = true;
      return;
    }
    this.target.set(source.subarray(from, to), this.length);
    this.length += to - from;
  }
}
