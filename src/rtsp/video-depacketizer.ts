// What H.264 (RFC 6184) and H.265 (RFC 7798) over RTP have in common: access units assembled in place in the
// sink's buffer as Annex B (4-byte start codes), fragmentation and aggregation bookkeeping, and loss handling.
// The codec files (h264-depacketizer.ts, h265-depacketizer.ts) read their payload headers and say what a NAL type
// means; everything below is the same for both.
//
// An access unit ends at the RTP marker bit, or when the timestamp changes (a lost or missing marker).
// A sequence gap damages the access unit it falls in: the unit is dropped and reported lost, never handed over
// with a hole. When the lost packets lie between two units, the next one is kept only if it visibly starts
// whole (its first NAL unit is one that only begins an access unit: AUD, parameter set, SEI); the lost units
// themselves are reported as one lost frame.
// Parameter sets from the SDP are put before each random access picture that has none in band.
import type { VideoLostReason } from "./index.js";

const START_CODE_LENGTH = 4;

export interface VideoOutput {
  /** Where the next access unit is assembled (read at the start of each). */
  target(): Uint8Array;
  /** A whole access unit is in target()[0, length). */
  frame(length: number, rtpTimestamp: number): void;
  lost(reason: VideoLostReason): void;
}

/** What a codec's NAL unit types mean to the assembly. */
export interface NalRules {
  /** The NAL type of the header at bytes[at]. */
  typeAt(bytes: Uint8Array, at: number): number;
  /** Types that come only at the start of an access unit (a unit beginning with one is whole). */
  beginsUnit(type: number): boolean;
  /** The SPS: when a unit carries one, it has its parameter sets in band. */
  isSps(type: number): boolean;
  /** Slices of a random access picture (IDR, and for H.265 CRA/BLA), which need the parameter sets before them. */
  isRandomAccess(type: number): boolean;
}

export abstract class VideoDepacketizer {
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
    private readonly output: VideoOutput,
    /** Parameter sets from the SDP (without start codes), in the order they go in band. */
    private readonly parameterSets: readonly Uint8Array[],
    private readonly rules: NalRules,
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

  /** One non-empty RTP payload of the codec's packetization. */
  protected abstract depacketize(payload: Uint8Array): void;

  /** A whole NAL unit: payload[from, to). */
  protected nal(payload: Uint8Array, from: number, to: number): void {
    this.nalStart(this.rules.typeAt(payload, from));
    this.write(payload, from, to);
  }

  /** An aggregation packet (STAP-A, H.265 AP): NAL units each after a 16-bit size, from `at` on. */
  protected aggregate(payload: Uint8Array, at: number): void {
    while (at + 2 <= payload.length) {
      const size = (payload[at] << 8) | payload[at + 1];
      at += 2;
      if (size === 0 || at + size > payload.length) {
        this.damage ??= "packet-loss"; // a truncated aggregate: treat like a lost piece
        return;
      }
      this.nal(payload, at, at + size);
      at += size;
    }
  }

  /**
   * A fragment (FU-A, H.265 FU) whose body is payload[bodyAt..]: the first one writes the NAL header the codec
   * rebuilt (`header`, of `type`); a later one without its first is damage, as is a new first one before the end.
   */
  protected fragment(payload: Uint8Array, bodyAt: number, start: boolean, end: boolean, type: number, header: Uint8Array): void {
    if (start) {
      if (this.fragmentOpen) this.damage ??= "packet-loss";
      this.nalStart(type);
      this.write(header, 0, header.length);
      this.fragmentOpen = true;
    } else if (!this.fragmentOpen) {
      this.damage ??= "packet-loss"; // its start was lost
      return;
    }
    this.write(payload, bodyAt, payload.length);
    if (end) this.fragmentOpen = false;
  }

  /** A packet of a packetization we do not take: its unit is lost as "unsupported". */
  protected unsupported(): void {
    this.unsupportedPackets++;
    this.damage ??= "unsupported";
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

  /** Before each NAL unit: the start code, and what its type says about the unit. */
  private nalStart(type: number): void {
    const rules = this.rules;
    if (this.nalCount++ === 0 && this.startUncertain) {
      this.startUncertain = false;
      if (rules.beginsUnit(type)) {
        this.lostUnitsBefore = this.unitsLostBefore; // reported when this one is done (the target is in use now)
      } else {
        this.damage ??= "packet-loss";
      }
    }
    if (rules.isSps(type)) this.hasSps = true;
    if (rules.isRandomAccess(type) && !this.hasSps && this.parameterSets.length > 0) {
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
