// Cuts a live Annex B H.264 or H.265 byte stream into access units as the bytes arrive, writing them straight into
// a frame buffer (the recorder's input area), so a frame is not assembled anywhere else first. An access unit ends
// where the next begins (H.264 7.4.1.2.3): at an AUD, SPS, PPS, SEI or NAL types 14–18 after a slice, or at a
// slice whose first_mb_in_slice is 0 once the current unit has a slice. H.265 (7.4.2.4.4) alike: at an AUD, VPS,
// SPS, PPS, prefix SEI or types 41-44, 48-55 after a slice, or at a slice with first_slice_segment_in_pic_flag.
// So a unit is complete when the first bytes of the next one arrive (one frame of latency), or at the end.
import type { RecordedCodec } from "./source.js";

interface SplitRules {
  /** Bytes of the NAL header: the byte after it starts the slice header. */
  headerBytes: number;
  type(firstByte: number): number;
  isVcl(type: number): boolean;
  startsAccessUnit(type: number): boolean;
  /** A random access picture's slice (IDR; H.265: IRAP), where a recording may start. */
  isRandomAccess(type: number): boolean;
}

const RULES: Record<RecordedCodec, SplitRules> = {
  h264: {
    headerBytes: 1,
    type: (b) => b & 0x1f,
    isVcl: (type) => type >= 1 && type <= 5,
    startsAccessUnit: (type) => type === 9 || type === 7 || type === 8 || type === 6 || (type >= 14 && type <= 18),
    isRandomAccess: (type) => type === 5,
  },
  h265: {
    headerBytes: 2,
    type: (b) => (b >> 1) & 0x3f,
    isVcl: (type) => type <= 31,
    startsAccessUnit: (type) => (type >= 32 && type <= 35) || type === 39 || (type >= 41 && type <= 44) || (type >= 48 && type <= 55),
    isRandomAccess: (type) => type >= 16 && type <= 23,
  },
};

export interface SplitterEvents {
  /** A whole access unit is at the start of the buffer, `length` bytes; `idr`: it holds an IDR (H.265: IRAP) slice. */
  unit(length: number, idr: boolean): void;
  /** An access unit larger than the buffer was skipped. */
  tooLarge(): void;
}

export class AccessUnitSplitter {
  /** Bytes of the current, unfinished access unit at the start of the buffer. */
  private filled = 0;
  /** Start codes before this position have been looked at. */
  private scanned = 0;
  private hasSlice = false;
  private hasIdr = false;
  /** The current unit outgrew the buffer: its start is gone, it is skipped when it ends. */
  private oversize = false;

  private readonly rules: SplitRules;

  constructor(
    private readonly buffer: Uint8Array,
    private readonly events: SplitterEvents,
    codec: RecordedCodec = "h264",
  ) {
    this.rules = RULES[codec];
  }

  /** Bytes of the stream, in any pieces. */
  push(chunk: Uint8Array): void {
    for (let at = 0; at < chunk.byteLength; ) {
      if (this.filled === this.buffer.byteLength) this.dropOversize();
      const n = Math.min(this.buffer.byteLength - this.filled, chunk.byteLength - at);
      this.buffer.set(chunk.subarray(at, at + n), this.filled);
      this.filled += n;
      at += n;
      this.scan();
    }
  }

  /** The stream ended: what is left is the last access unit. */
  end(): void {
    this.finishUnit(this.filled);
    this.filled = this.scanned = 0;
  }

  /** Forgets the unfinished unit (the pipe stalled: what follows may not continue it). True if it held a slice. */
  reset(): boolean {
    const dropped = this.hasSlice;
    this.filled = this.scanned = 0;
    this.hasSlice = this.hasIdr = this.oversize = false;
    return dropped;
  }

  private scan(): void {
    const b = this.buffer;
    let view = b.subarray(0, this.filled);
    let i = this.scanned;
    const rules = this.rules;
    const header = rules.headerBytes;
    // A start code 00 00 01 at i is judged once its NAL header (from i+3) and the byte after it are here.
    while (i + 3 + header < this.filled) {
      const one = view.indexOf(1, i + 2);
      if (one < 0) {
        i = Math.max(i, this.filled - 2); // 00 00 may end the bytes so far
        break;
      }
      if (b[one - 1] !== 0 || b[one - 2] !== 0) {
        i = one + 1;
        continue;
      }
      if (one + 1 + header >= this.filled) {
        i = one - 2;
        break;
      }
      const start = one - 2;
      const type = rules.type(b[one + 1]!);
      // first_mb_in_slice is ue(v): 0 is coded as a single 1 bit, the top bit of the byte after the header
      // (H.265: first_slice_segment_in_pic_flag is that bit).
      const firstSliceOfPicture = rules.isVcl(type) && (b[one + 1 + header]! & 0x80) !== 0;
      let next = one + 1;
      if (this.hasSlice && (rules.startsAccessUnit(type) || firstSliceOfPicture)) {
        const begin = start > 0 && b[start - 1] === 0 ? start - 1 : start; // a 4-byte start code's zero
        this.finishUnit(begin);
        b.copyWithin(0, begin, this.filled);
        this.filled -= begin;
        view = b.subarray(0, this.filled);
        next -= begin;
      }
      if (rules.isVcl(type)) this.hasSlice = true;
      if (rules.isRandomAccess(type)) this.hasIdr = true;
      i = next;
    }
    this.scanned = i;
  }

  private finishUnit(length: number): void {
    if (this.oversize) this.events.tooLarge();
    else if (this.hasSlice && length > 0) this.events.unit(length, this.hasIdr);
    this.hasSlice = this.hasIdr = this.oversize = false;
  }

  /** The buffer is full and holds no unit boundary: skip this unit, keeping the last bytes (a start code may begin there). */
  private dropOversize(): void {
    const keep = Math.min(4, this.filled);
    this.buffer.copyWithin(0, this.filled - keep, this.filled);
    this.filled = keep;
    this.scanned = 0;
    this.oversize = true;
  }
}
