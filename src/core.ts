// The host side of the WASM muxing core: loads build/core.wasm through @assemblyscript/loader, copies frames
// into the core's input area, and hands out finished segments as views into its linear memory.
// The boundary is narrow on purpose: one copy in per frame, numbers across, views out.
import { readFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { instantiateSync } from "@assemblyscript/loader";
import { CONTAINERS, DROP_REASONS, type Container, type VideoCodec, type CoreOptions, type CoreStats, type DropReason, type OverflowPolicy, type Segment } from "./core-types.js";
import { MAX_BUFFER_SIZE, MIN_BUFFER_SIZE, SEGMENT_DURATION_MAX, SEGMENT_DURATION_MIN, VIDEO_CODECS } from "./core-types.js";
import * as abi from "./core-abi.js";
import { finiteNumber, InvalidOptionError, oneOf, wholeNumber } from "./options.js";
import { RawStreams, type RawExports } from "./raw-streams.js";
import { jsCrc32 } from "./s3/checksum.js";

export type { CoreOptions, CoreStats, DropReason, Segment, OverflowPolicy } from "./core-types.js";
export { checkFrameRate, FRAME_RATE_TERM_MAX, RAW_CHUNK_BYTES, type RawStreamStatus, type RawStreams } from "./raw-streams.js";

/** The core's exports (see assembly/index.ts): the recorder's, and the raw readers' (src/raw-streams.ts). */
export interface CoreExports extends RawExports {
  memory: WebAssembly.Memory;
  init(ringBytes: number, maxFrameBytes: number, segmentMs: number, policy: number, heapReserve: number): number;
  setContainer(kind: number): number;
  frameRateTextPointer(): number;
  /** numerator << 32 | denominator, 0 when the text is no rate (an i64: a BigInt here). */
  parseFrameRate(length: number): bigint;
  fileNamePointer(): number;
  segmentFileName(seq: number, kind: number): number;
  initFileName(version: number): number;
  defaultContainer(codec: number): number;
  initPointer(version: number): number;
  codecStringPointer(): number;
  inputPointer(): number;
  inputCapacity(): number;
  infoPointer(): number;
  statsPointer(): number;
  droppedPointer(): number;
  memoryBytes(): number;
  closedCounterPointer(): number;
  putVideo(length: number, ptsUs: number, dtsUs: number, wallMs: number): number;
  putAudio(length: number, ptsUs: number): number;
  setWallClock(wallMs: number): void;
  wallClockWantedPointer(): number;
  flush(): void;
  videoLost(): void;
  setAudioExpected(expected: number): void;
  setCodec(codec: number): number;
  takeSegment(): number;
  releaseSegment(id: number): void;
  segmentLive(id: number): number;
  takeDropped(): number;
  refreshStats(): number;
  crc32(crc: number, ptr: number, len: number): number;
}

/** The core could not be set up (its memory could not be had). Bad options are InvalidOptionError. */
export class CoreInitError extends Error {
  override name = "CoreInitError";
}

// ---- The core's options, checked once here (HlsRecorder checks them at construction through this too) ----

const OVERFLOW_POLICIES: readonly OverflowPolicy[] = ["drop-oldest", "drop-new"];

export interface CheckedCoreOptions {
  bufferSize: number;
  maxFrameSize: number;
  segmentDuration: number;
  overflowPolicy: OverflowPolicy;
  videoCodec: VideoCodec;
}

/** Checks the core's options and fills in the defaults; throws InvalidOptionError naming the option. */
export function checkCoreOptions(options: Omit<CoreOptions, "clock" | "audio">, names: Partial<Record<keyof CheckedCoreOptions, string>> = {}): CheckedCoreOptions {
  const bufferSize = wholeNumber(names.bufferSize ?? "bufferSize", options.bufferSize, MIN_BUFFER_SIZE, MAX_BUFFER_SIZE, "bytes");
  const maxFrameSize =
    options.maxFrameSize === undefined
      ? Math.floor(Math.min(Math.max(bufferSize / 8, 64 * 1024), 1024 * 1024, bufferSize))
      : wholeNumber(names.maxFrameSize ?? "maxFrameSize", options.maxFrameSize, abi.MIN_FRAME_BYTES, Math.min(bufferSize, abi.MAX_FRAME_BYTES), "bytes");
  const segmentDuration = options.segmentDuration === undefined ? 2 : finiteNumber(names.segmentDuration ?? "segmentDuration", options.segmentDuration, SEGMENT_DURATION_MIN, SEGMENT_DURATION_MAX, "seconds");
  const overflowPolicy = options.overflowPolicy === undefined ? "drop-oldest" : oneOf(names.overflowPolicy ?? "overflowPolicy", options.overflowPolicy, OVERFLOW_POLICIES);
  const videoCodec = options.videoCodec === undefined ? "auto" : oneOf(names.videoCodec ?? "videoCodec", options.videoCodec, VIDEO_CODECS);
  return { bufferSize, maxFrameSize, segmentDuration, overflowPolicy, videoCodec };
}

export interface DroppedSegment {
  seq: number;
  wallStartMs: number;
  durationUs: number;
}

/** Bytes the core keeps free below its regions for the AssemblyScript runtime (the recorder allocates none). */
const HEAP_RESERVE = 64 * 1024;

let modulePromise: Promise<WebAssembly.Module> | undefined;
/** The same module once compiled (by coreModule, or synchronously by textCore): compiled once a process. */
let compiledCore: WebAssembly.Module | undefined;

// A function that splats an i32 into a v128: valid only where WebAssembly SIMD is (V8 turns it off on CPUs without
// NEON or SSE4.1; some WASI runtimes and interpreters lack it).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 10, 9, 1, 7, 0, 65, 0, 253, 15, 26, 11]);

/** Which build of the core this runtime runs: the SIMD one, or the scalar one (same output) where SIMD is missing. */
export function coreVariant(): "simd" | "scalar" {
  return WebAssembly.validate(SIMD_PROBE) ? "simd" : "scalar";
}

const coreFile = () => new URL(coreVariant() === "simd" ? "../build/core.wasm" : "../build/core-scalar.wasm", import.meta.url);

/** The compiled core, shared by every MuxerCore in the process. */
export function coreModule(): Promise<WebAssembly.Module> {
  modulePromise ??= readFile(coreFile()).then(async (bytes) => (compiledCore ??= await WebAssembly.compile(new Uint8Array(bytes))));
  return modulePromise;
}

/** An instance of the core for its text rules only (never initialised), loaded synchronously on first use. */
let textCoreInstance: CoreExports | undefined;
function textCore(): CoreExports {
  if (!textCoreInstance) {
    compiledCore ??= new WebAssembly.Module(readFileSync(coreFile()));
    modulePromise ??= Promise.resolve(compiledCore);
    textCoreInstance = instantiateSync<Record<string, unknown>>(compiledCore, {}).instance.exports as unknown as CoreExports;
  }
  return textCoreInstance;
}

/**
 * A frame rate as a user types it ("25", "29.97" meaning 30000/1001, "30000/1001"), by the core's rule
 * (assembly/frame-rate.ts, which the WASI command's --fps uses too): [numerator, denominator] in lowest terms,
 * or undefined when the text is no rate the core can time (malformed, or outside 0.1 to 1000 frames per second).
 */
export function parseFrameRateText(text: string): [number, number] | undefined {
  const core = textCore();
  const bytes = new TextEncoder().encode(text);
  // The area holds FRAME_RATE_TEXT_BYTES; a longer text is given with its length, and the core refuses it.
  new Uint8Array(core.memory.buffer, core.frameRateTextPointer(), abi.FRAME_RATE_TEXT_BYTES).set(bytes.subarray(0, abi.FRAME_RATE_TEXT_BYTES));
  const packed = core.parseFrameRate(bytes.length);
  return packed === 0n ? undefined : [Number(packed >> 32n), Number(packed & 0xffffffffn)];
}

function fileName(length: number): string {
  const core = textCore();
  return Buffer.from(core.memory.buffer, core.fileNamePointer(), length).toString("latin1");
}

/** `ipc-hls mux`'s name for segment `seq`: segment-000000.ts (fMP4: .m4s)…, as the WASI command names it (assembly/file-names.ts). */
export function segmentFileName(seq: number, container: Container = "ts"): string {
  return fileName(textCore().segmentFileName(seq, container === "fmp4" ? abi.CONTAINER_FMP4 : abi.CONTAINER_TS));
}

/** `ipc-hls mux`'s name for init segment `version`: init.mp4, then init-2.mp4… (assembly/file-names.ts). */
export function initFileName(version: number): string {
  return fileName(textCore().initFileName(version));
}

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
  /** The raw elementary-stream readers of this core (`ipc-hls mux`, `push`). */
  readonly raw: RawStreams;

  private constructor(core: CoreExports, clock: () => number) {
    this.core = core;
    this.clock = clock;
    // Memory never grows after init, so these views stay valid for the core's life.
    const buffer = core.memory.buffer;
    this.bytes = new Uint8Array(buffer);
    this.info = new Float64Array(buffer, core.infoPointer(), abi.INFO_WORDS);
    this.stat = new Float64Array(buffer, core.refreshStats(), abi.STATS_WORDS);
    this.dropped = new Float64Array(buffer, core.droppedPointer(), abi.DROPPED_MAX * abi.DROPPED_WORDS);
    this.input = core.inputPointer();
    this.closed = new Uint32Array(buffer, core.closedCounterPointer(), 1);
    this.wallClockWanted = new Uint32Array(buffer, core.wallClockWantedPointer(), 1);
    this.maxFrameSize = core.inputCapacity();
    this.frameBuffer = this.bytes.subarray(this.input, this.input + this.maxFrameSize);
    this.bufferCapacity = this.stat[abi.STATS_RING_CAPACITY];
    this.raw = new RawStreams(core);
  }

  static async create(options: CoreOptions): Promise<MuxerCore> {
    const { bufferSize, maxFrameSize, segmentDuration, overflowPolicy: policy, videoCodec: codec } = checkCoreOptions(options);
    if (options.clock !== undefined && typeof options.clock !== "function") throw new InvalidOptionError("clock", "must be a function returning ms since the epoch");
    const container = options.container === undefined ? undefined : oneOf("container", options.container, CONTAINERS);

    // The loader supplies the core's imports (abort messages); its demangled exports wrap every function in a
    // rest-arguments shim for optional parameters, which ours do not have: call the instance's own exports.
    // instantiateSync: the loader's async instantiate asks whether its argument is a fetch Response, and the first
    // look at the global Response loads Node's fetch implementation (undici): 12 MB of RSS for nothing here.
    const { instance } = instantiateSync<Record<string, unknown>>(await coreModule(), {});
    const core = instance.exports as unknown as CoreExports;
    const policyCode = policy === "drop-oldest" ? abi.POLICY_DROP_OLDEST : abi.POLICY_DROP_NEW;
    const codecCode = codec === "h264" ? abi.CODEC_H264 : codec === "h265" ? abi.CODEC_H265 : abi.CODEC_AUTO;
    // No container chosen: the core's rule (TS for H.264, fMP4 for H.265; "auto" until the stream shows which).
    core.setContainer(container === undefined ? core.defaultContainer(codecCode) : container === "fmp4" ? abi.CONTAINER_FMP4 : abi.CONTAINER_TS);
    const status = core.init(bufferSize, maxFrameSize, Math.round(segmentDuration * 1000), policyCode, HEAP_RESERVE);
    if (status !== abi.INIT_OK) throw new CoreInitError(`the core could not allocate ${bufferSize} bytes of buffer (status ${status})`);
    if (options.audio) core.setAudioExpected(1);
    core.setCodec(codecCode);
    return new MuxerCore(core, options.clock ?? Date.now);
  }

  /** The core's linear memory (it never grows after create: views into it stay valid). */
  get memory(): WebAssembly.Memory {
    return this.core.memory;
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
  /** The codec string the core wrote for the segment just described (ASCII, assembly/codec-string.ts). */
  private codecString(length: number): string {
    const at = this.core.codecStringPointer();
    return String.fromCharCode(...this.bytes.subarray(at, at + length));
  }

  private inputLength(length: number): number {
    if (length === -1 || length > this.maxFrameSize) return this.maxFrameSize + 1;
    return Number.isInteger(length) && length >= 0 ? length : 0;
  }

  /** Closes the open segment now (end of stream). */
  flush(): void {
    this.core.flush();
  }

  /**
   * A video frame was lost before it could be put (e.g. RTP packets missing): the open segment ends at its last
   * whole frame and the frames after it are dropped (counted) until the next IDR, so no picture whose reference is
   * missing is recorded.
   */
  videoLost(): void {
    this.core.videoLost();
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
    const [offset1, length1, offset2, length2] = [i[abi.INFO_PART1_OFFSET], i[abi.INFO_PART1_LENGTH], i[abi.INFO_PART2_OFFSET], i[abi.INFO_PART2_LENGTH]];
    const parts = [this.bytes.subarray(offset1, offset1 + length1)];
    if (length2 > 0) parts.push(this.bytes.subarray(offset2, offset2 + length2));
    // fMP4: the samples follow the head (moof + mdat header) in views of their own.
    const [offset3, length3, offset4, length4] = [i[abi.INFO_PART3_OFFSET], i[abi.INFO_PART3_LENGTH], i[abi.INFO_PART4_OFFSET], i[abi.INFO_PART4_LENGTH]];
    if (length3 > 0) parts.push(this.bytes.subarray(offset3, offset3 + length3));
    if (length4 > 0) parts.push(this.bytes.subarray(offset4, offset4 + length4));
    const initVersion = i[abi.INFO_INIT_VERSION];
    const initAt = initVersion > 0 ? this.core.initPointer(initVersion) : 0;
    const flags = i[abi.INFO_FLAGS];
    const hasAudio = (flags & abi.SEGMENT_AUDIO) !== 0;
    const video = this.codecString(i[abi.INFO_CODEC_STRING_LENGTH]);
    return {
      id,
      seq: id,
      parts,
      byteLength: length1 + length2 + length3 + length4,
      startPtsUs: i[abi.INFO_START_PTS_US],
      durationUs: i[abi.INFO_DURATION_US],
      wallStartMs: i[abi.INFO_WALL_START_MS],
      videoFrames: i[abi.INFO_VIDEO_FRAMES],
      audioFrames: i[abi.INFO_AUDIO_FRAMES],
      discontinuity: (flags & abi.SEGMENT_DISCONTINUITY) !== 0,
      codecs: hasAudio ? `${video},mp4a.40.${i[abi.INFO_AUDIO_OBJECT_TYPE]}` : video,
      width: i[abi.INFO_WIDTH],
      height: i[abi.INFO_HEIGHT],
      audio: hasAudio ? { sampleRate: i[abi.INFO_AUDIO_SAMPLE_RATE], channels: i[abi.INFO_AUDIO_CHANNELS] } : undefined,
      durationTicks: i[abi.INFO_DURATION_TICKS],
      keyframeBytes: i[abi.INFO_KEYFRAME_BYTES],
      init: initVersion > 0 ? { version: initVersion, bytes: this.bytes.subarray(initAt, initAt + i[abi.INFO_INIT_LENGTH]) } : undefined,
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
    for (let k = 0; k < Math.min(n, abi.DROPPED_MAX); k++) {
      const d = k * abi.DROPPED_WORDS;
      out.push({ seq: this.dropped[d + abi.DROPPED_SEQ], wallStartMs: this.dropped[d + abi.DROPPED_WALL_START_MS], durationUs: this.dropped[d + abi.DROPPED_DURATION_US] });
    }
    // More than DROPPED_MAX between two calls: the rest are counted in stats().segmentsDropped without details.
    return out;
  }

  stats(): CoreStats {
    this.core.refreshStats();
    const s = this.stat;
    return {
      videoFramesIn: s[abi.STATS_VIDEO_FRAMES_IN],
      audioFramesIn: s[abi.STATS_AUDIO_FRAMES_IN],
      bytesIn: s[abi.STATS_BYTES_IN],
      videoFramesDropped: s[abi.STATS_VIDEO_FRAMES_DROPPED],
      audioFramesDropped: s[abi.STATS_AUDIO_FRAMES_DROPPED],
      segmentsMade: s[abi.STATS_SEGMENTS_MADE],
      segmentsDropped: s[abi.STATS_SEGMENTS_DROPPED],
      bufferUsed: s[abi.STATS_RING_USED],
      bufferHighWater: s[abi.STATS_RING_HIGH_WATER],
      bufferCapacity: s[abi.STATS_RING_CAPACITY],
      tsPackets: s[abi.STATS_TS_PACKETS],
      segmentSlotsFree: s[abi.STATS_SEGMENT_SLOTS_FREE],
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
}
