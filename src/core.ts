// The host side of the WASM muxing core: loads build/core.wasm through @assemblyscript/loader, copies frames
// into the core's input area, and hands out finished segments as views into its linear memory.
// The boundary is narrow on purpose: one copy in per frame, numbers across, views out.
import { readFile } from "node:fs/promises";
import { instantiate } from "@assemblyscript/loader";
import { DROP_REASONS, type CoreOptions, type CoreStats, type DropReason, type OverflowPolicy, type Segment } from "./core-types.js";
import { MAX_BUFFER_SIZE, MIN_BUFFER_SIZE, SEGMENT_DURATION_MAX, SEGMENT_DURATION_MIN } from "./core-types.js";
import { finiteNumber, InvalidOptionError, oneOf, wholeNumber } from "./options.js";
import { jsCrc32 } from "./s3/checksum.js";

export type { CoreOptions, CoreStats, DropReason, Segment, OverflowPolicy } from "./core-types.js";

/** The core's exports (see assembly/index.ts). */
interface CoreExports {
  memory: WebAssembly.Memory;
  init(ringBytes: number, maxFrameBytes: number, segmentMs: number, policy: number, heapReserve: number): number;
  inputPointer(): number;
  inputCapacity(): number;
  infoPointer(): number;
  droppedPointer(): number;
  memoryBytes(): number;
  closedCounterPointer(): number;
  putVideo(length: number, ptsUs: number, dtsUs: number, wallMs: number): number;
  putAudio(length: number, ptsUs: number): number;
  setWallClock(wallMs: number): void;
  wallClockWantedPointer(): number;
  flush(): void;
  setAudioExpected(expected: number): void;
  takeSegment(): number;
  releaseSegment(id: number): void;
  segmentLive(id: number): number;
  takeDropped(): number;
  refreshStats(): number;
  crc32(crc: number, ptr: number, len: number): number;
  rawInit(fpsNum: number, fpsDen: number, wallMs: number): number;
  rawRewind(): number;
  rawChunkPtr(): number;
  rawVideoPush(len: number): number;
  rawVideoEnd(): number;
  rawAudioChunkPtr(): number;
  rawAudioPush(len: number): number;
  rawAudioEnd(): number;
  rawStatusPointer(): number;
  rawVideoTime(): number;
  rawAudioTime(): number;
}

/** The raw stream readers' chunk size (assembly/layout.ts RAW_CHUNK_BYTES). */
export const RAW_CHUNK_BYTES = 64 * 1024;

/** The core could not be set up (its memory could not be had). Bad options are InvalidOptionError. */
export class CoreInitError extends Error {
  override name = "CoreInitError";
}

// ---- The core's options, checked once here (HlsRecorder checks them at construction through this too) ----

const MAX_FRAME_BYTES = 1 << 28;
const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["drop-oldest", "drop-new"];

export interface CheckedCoreOptions {
  bufferSize: number;
  maxFrameSize: number;
  segmentDuration: number;
  overflowPolicy: OverflowPolicy;
}

/** Checks the core's options and fills in the defaults; throws InvalidOptionError naming the option. */
export function checkCoreOptions(options: Omit<CoreOptions, "clock" | "audio">, names: Partial<Record<keyof CheckedCoreOptions, string>> = {}): CheckedCoreOptions {
  const bufferSize = wholeNumber(names.bufferSize ?? "bufferSize", options.bufferSize, MIN_BUFFER_SIZE, MAX_BUFFER_SIZE, "bytes");
  const maxFrameSize =
    options.maxFrameSize === undefined
      ? Math.floor(Math.min(Math.max(bufferSize / 8, 64 * 1024), 1024 * 1024, bufferSize))
      : wholeNumber(names.maxFrameSize ?? "maxFrameSize", options.maxFrameSize, 1024, Math.min(bufferSize, MAX_FRAME_BYTES), "bytes");
  const segmentDuration = options.segmentDuration === undefined ? 2 : finiteNumber(names.segmentDuration ?? "segmentDuration", options.segmentDuration, SEGMENT_DURATION_MIN, SEGMENT_DURATION_MAX, "seconds");
  const overflowPolicy = options.overflowPolicy === undefined ? "drop-oldest" : oneOf(names.overflowPolicy ?? "overflowPolicy", options.overflowPolicy, OVERFLOW_POLICIES);
  return { bufferSize, maxFrameSize, segmentDuration, overflowPolicy };
}

/** Largest numerator or denominator of a frame rate in lowest terms (assembly/raw-input.ts RATE_TERM_MAX). */
export const FRAME_RATE_TERM_MAX = 1_000_000;

/** A frame rate num/den: whole terms, in lowest terms at most FRAME_RATE_TERM_MAX, 0.1 to 1000 frames per second. */
export function checkFrameRate(num: unknown, den: unknown, option = "frame rate"): [number, number] {
  const n = wholeNumber(option, num, 1, Number.MAX_SAFE_INTEGER);
  const d = wholeNumber(`${option} denominator`, den, 1, Number.MAX_SAFE_INTEGER);
  const rate = n / d;
  if (!(rate >= 0.1 && rate <= 1000)) throw new InvalidOptionError(option, `must be between 0.1 and 1000 frames per second, got ${n}/${d}`);
  let [a, b] = [n, d];
  while (b !== 0) [a, b] = [b, a % b];
  if (n / a > FRAME_RATE_TERM_MAX || d / a > FRAME_RATE_TERM_MAX) {
    throw new InvalidOptionError(option, `${n}/${d}: numerator and denominator must be at most ${FRAME_RATE_TERM_MAX} in lowest terms`);
  }
  return [n / a, d / a];
}

/** What the raw stream readers found (assembly/raw-input.ts RS_*: u32 words at rawStatusPointer()). */
export interface RawStreamStatus {
  /** The frame rate in use, once known. */
  rate?: [number, number];
  /** The frame rate the stream's SPS carries (VUI timing), if it does. */
  streamRate?: [number, number];
  /** No rate was given and the stream's SPS carries none: video is not muxed; give the rate. */
  needsRate: boolean;
  /** ADTS frames accepted, and well-formed ones refused as a format we do not carry. */
  audioFrames: number;
  audioUnsupported: number;
  /** The last refused frame's format (AAC object type, Hz, channel configuration). */
  refusedAudio?: { objectType: number; sampleRate: number; channels: number };
}

export interface DroppedSegment {
  seq: number;
  wallStartMs: number;
  durationUs: number;
}

let modulePromise: Promise<WebAssembly.Module> | undefined;

// A function that splats an i32 into a v128: valid only where WebAssembly SIMD is (V8 turns it off on CPUs without
// NEON or SSE4.1; some WASI runtimes and interpreters lack it).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

/** Which build of the core this runtime runs: the SIMD one, or the scalar one (same output) where SIMD is missing. */
export function coreVariant(): "simd" | "scalar" {
  return WebAssembly.validate(SIMD_PROBE) ? "simd" : "scalar";
}

/** The compiled core, shared by every MuxerCore in the process. */
export function coreModule(): Promise<WebAssembly.Module> {
  modulePromise ??= readFile(new URL(coreVariant() === "simd" ? "../build/core.wasm" : "../build/core-scalar.wasm", import.meta.url))
    .then((bytes) => WebAssembly.compile(new Uint8Array(bytes)));
  return modulePromise;
}

const hex2 = (n: number) => n.toString(16).padStart(2, "0");

export class MuxerCore {
  readonly bufferCapacity: number;
  readonly maxFrameSize: number;
  /**
   * The core's input area (maxFrameSize bytes). A producer that can write a frame here itself (a read() from the
   * encoder device into this view, a native binding filling it) calls putVideoInPlace / putAudioInPlace with the
   * frame's length and saves the one copy putVideo makes. Valid for the core's life.
   */
  readonly frameBuffer: Uint8Array;
  private readonly core: CoreExports;
  private readonly bytes: Uint8Array;
  private readonly info: Float64Array;
  private readonly stat: Float64Array;
  private readonly dropped: Float64Array;
  private readonly input: number;
  /** The core's count of closed segments, and its value when takeSegment last found nothing. */
  private readonly closed: Uint32Array;
  private closedSeen = 0;
  /** 1 after a put that anchored the segments' wall time without one (see putVideo). */
  private readonly wallClockWanted: Uint32Array;
  private readonly clock: () => number;
  private readonly rawWords: Uint32Array;

  private constructor(core: CoreExports, clock: () => number) {
    this.core = core;
    this.clock = clock;
    // Memory never grows after init, so these views stay valid for the core's life.
    const buffer = core.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.info = new Float64Array(buffer, core.infoPointer(), 32);
    this.stat = new Float64Array(buffer, core.refreshStats(), 16);
    this.dropped = new Float64Array(buffer, core.droppedPointer(), 64 * 3);
    this.input = core.inputPointer();
    this.closed = new Uint32Array(buffer, core.closedCounterPointer(), 1);
    this.wallClockWanted = new Uint32Array(buffer, core.wallClockWantedPointer(), 1);
    this.maxFrameSize = core.inputCapacity();
    this.frameBuffer = this.bytes.subarray(this.input, this.input + this.maxFrameSize);
    this.bufferCapacity = this.stat[9];
    this.rawWords = new Uint32Array(buffer, core.rawStatusPointer(), 10);
  }

  static async create(options: CoreOptions): Promise<MuxerCore> {
    const { bufferSize, maxFrameSize, segmentDuration, overflowPolicy: policy } = checkCoreOptions(options);
    if (options.clock !== undefined && typeof options.clock !== "function") throw new InvalidOptionError("clock", "must be a function returning ms since the epoch");

    // The loader supplies the core's imports (abort messages); its demangled exports wrap every function in a
    // rest-arguments shim for optional parameters, which ours do not have: call the instance's own exports.
    const { instance } = await instantiate<Record<string, unknown>>(await coreModule(), {});
    const core = instance.exports as unknown as CoreExports;
    const status = core.init(bufferSize, maxFrameSize, Math.round(segmentDuration * 1000), policy === "drop-oldest" ? 0 : 1, 64 * 1024);
    if (status !== 0) throw new CoreInitError(`the core could not allocate ${bufferSize} bytes of buffer (status ${status})`);
    if (options.audio) core.setAudioExpected(1);
    return new MuxerCore(core, options.clock ?? Date.now);
  }

  /** Bytes of linear memory the core uses (ring, input area, tables, code data). */
  get memoryBytes(): number {
    return this.core.memory.buffer.byteLength;
  }

  /** Copies the parts into the input area; returns the total length, or -1 if it does not fit. */
  private copyIn(parts: readonly Uint8Array[]): number {
    let length = 0;
    for (const part of parts) length += part.byteLength;
    if (length > this.maxFrameSize) return -1;
    let at = this.input;
    for (const part of parts) {
      this.bytes.set(part, at);
      at += part.byteLength;
    }
    return length;
  }

  /**
   * One access unit (Annex B), given as one or more parts that are concatenated (e.g. where a ring wraps).
   * wallMs: the wall time of this frame; by default the clock option is read, only when the core needs it.
   */
  putVideo(parts: readonly Uint8Array[], ptsUs: number, dtsUs = ptsUs, wallMs?: number): DropReason | undefined {
    return this.putVideoInPlace(this.copyIn(parts), ptsUs, dtsUs, wallMs);
  }

  /** One or more ADTS frames; ptsUs is the first frame's presentation time. */
  putAudio(parts: readonly Uint8Array[], ptsUs: number): DropReason | undefined {
    return this.putAudioInPlace(this.copyIn(parts), ptsUs);
  }

  /** The access unit already written at the start of frameBuffer, `length` bytes (-1: it did not fit). */
  putVideoInPlace(length: number, ptsUs: number, dtsUs = ptsUs, wallMs?: number): DropReason | undefined {
    const timed = Number.isFinite(ptsUs) && Number.isFinite(dtsUs);
    const code = this.core.putVideo(timed ? this.inputLength(length) : 0, ptsUs, dtsUs, wallMs ?? NaN);
    // The wall time matters only when a segment anchors it: read the clock then, not for every frame.
    if (this.wallClockWanted[0] !== 0) this.core.setWallClock(this.clock());
    return DROP_REASONS[code];
  }

  /** The ADTS frame(s) already written at the start of frameBuffer, `length` bytes. */
  putAudioInPlace(length: number, ptsUs: number): DropReason | undefined {
    return DROP_REASONS[this.core.putAudio(Number.isFinite(ptsUs) ? this.inputLength(length) : 0, ptsUs)];
  }

  /**
   * The length the core is given (a u32: nothing may wrap into a plausible one). A frame larger than the input
   * area (or -1: it did not fit) becomes maxFrameSize + 1, which the core counts as frame-too-large; a length that
   * is no whole number, or a frame without finite timestamps (above), becomes 0, counted as malformed.
   */
  private inputLength(length: number): number {
    if (length === -1 || length > this.maxFrameSize) return this.maxFrameSize + 1;
    return Number.isInteger(length) && length >= 0 ? length : 0;
  }

  /** Closes the open segment now (end of stream). */
  flush(): void {
    this.core.flush();
  }

  /** The oldest finished segment not taken yet, as views into the core's memory. */
  takeSegment(): Segment | undefined {
    // Most frames close no segment: then there is nothing to take and no need to ask the core.
    const closed = this.closed[0];
    if (closed === this.closedSeen) return undefined;
    const id = this.core.takeSegment();
    if (id < 0) {
      this.closedSeen = closed;
      return undefined;
    }
    const i = this.info;
    const parts = [this.bytes.subarray(i[1], i[1] + i[2])];
    if (i[4] > 0) parts.push(this.bytes.subarray(i[3], i[3] + i[4]));
    const flags = i[10];
    const hasAudio = (flags & 2) !== 0;
    const video = `avc1.${hex2(i[11])}${hex2(i[12])}${hex2(i[13])}`;
    return {
      id,
      seq: id,
      parts,
      byteLength: i[2] + i[4],
      startPtsUs: i[5],
      durationUs: i[6],
      wallStartMs: i[7],
      videoFrames: i[8],
      audioFrames: i[9],
      discontinuity: (flags & 1) !== 0,
      codecs: hasAudio ? `${video},mp4a.40.${i[16]}` : video,
      width: i[14],
      height: i[15],
      audio: hasAudio ? { sampleRate: i[17], channels: i[18] } : undefined,
      durationTicks: i[19],
    };
  }

  /** The store acknowledged the segment: its ring space may be reused. */
  release(id: number): void {
    this.core.releaseSegment(id);
  }

  /** False once the segment was released or dropped (its views must not be read any more). */
  isLive(id: number): boolean {
    return this.core.segmentLive(id) === 1;
  }

  /** Segments the core dropped (overflow) since the last call. */
  takeDroppedSegments(): DroppedSegment[] {
    const n = this.core.takeDropped();
    const out: DroppedSegment[] = [];
    for (let k = 0; k < Math.min(n, 64); k++) {
      out.push({ seq: this.dropped[k * 3], wallStartMs: this.dropped[k * 3 + 1], durationUs: this.dropped[k * 3 + 2] });
    }
    // More than 64 between two calls: the rest are counted in stats().segmentsDropped without details.
    return out;
  }

  stats(): CoreStats {
    this.core.refreshStats();
    const s = this.stat;
    return {
      videoFramesIn: s[0],
      audioFramesIn: s[1],
      bytesIn: s[2],
      videoFramesDropped: s[3],
      audioFramesDropped: s[4],
      segmentsMade: s[5],
      segmentsDropped: s[6],
      bufferUsed: s[7],
      bufferHighWater: s[8],
      bufferCapacity: s[9],
      tsPackets: s[10],
      segmentSlotsFree: s[11],
    };
  }

  /**
   * IEEE CRC-32 (as zlib.crc32) of the parts: views into the core's memory are read in place, other bytes (a
   * spilled segment read from disk) in JS, never through the input area (it may hold the frame being muxed).
   */
  crc32(parts: readonly Uint8Array[]): number {
    let crc = 0;
    for (const part of parts) {
      crc = part.buffer === this.core.memory.buffer ? this.core.crc32(crc, part.byteOffset, part.byteLength) : jsCrc32(crc, part);
    }
    return crc >>> 0;
  }

  // ---- Raw elementary streams (files, pipes): used by `ipc-hls mux` ----

  /**
   * Starts reading raw streams timed at fpsNum/fpsDen frames per second, or, without a rate, at the one the
   * stream's SPS carries (see rawStatus: needsRate when it carries none).
   */
  rawStart(fpsNum?: number, fpsDen = 1, wallStartMs = 0): void {
    const [num, den] = fpsNum === undefined ? [0, 0] : checkFrameRate(fpsNum, fpsDen);
    this.core.rawInit(num, den, wallStartMs);
  }

  /** What the raw readers found: the frame rate in use and the stream's own, audio accepted and refused. */
  rawStatus(): RawStreamStatus {
    const w = this.rawWords;
    return {
      rate: w[0] ? [w[0], w[1]!] : undefined,
      streamRate: w[2] ? [w[2], w[3]!] : undefined,
      needsRate: w[4] === 1,
      audioFrames: w[5]!,
      audioUnsupported: w[6]!,
      refusedAudio: w[6] ? { objectType: w[7]!, sampleRate: w[8]!, channels: w[9]! } : undefined,
    };
  }

  /**
   * Plays the raw inputs again from their start (a clip in a loop); stream time goes on. Ends the video stream
   * first (as endRawVideo, which may come before it or not); returns the access units that muxed.
   */
  rawRewind(): number {
    return this.core.rawRewind();
  }

  /** Feeds up to RAW_CHUNK_BYTES of an Annex B stream; returns access units muxed. */
  putRawVideo(chunk: Uint8Array): number {
    this.bytes.set(chunk, this.core.rawChunkPtr());
    return this.core.rawVideoPush(chunk.byteLength);
  }

  endRawVideo(): number {
    return this.core.rawVideoEnd();
  }

  /** Feeds up to RAW_CHUNK_BYTES of an ADTS stream. */
  putRawAudio(chunk: Uint8Array): DropReason | undefined {
    this.bytes.set(chunk, this.core.rawAudioChunkPtr());
    return DROP_REASONS[this.core.rawAudioPush(chunk.byteLength)];
  }

  /** The ADTS stream ended: its last frame is complete (and what is left that is not a frame is counted). */
  endRawAudio(): DropReason | undefined {
    return DROP_REASONS[this.core.rawAudioEnd()];
  }

  /** Stream time (90 kHz ticks) of the next video frame and of the next audio frame. */
  rawStreamTimes(): { video: number; audio: number } {
    return { video: this.core.rawVideoTime(), audio: this.core.rawAudioTime() };
  }
}
