// The core's raw elementary-stream readers (assembly/raw-input.ts): Annex B H.264 and ADTS AAC as files and pipes
// deliver them, cut into access units and frames and timed inside the core. Used by `ipc-hls mux`, `push` and the
// demo. Kept apart from src/core.ts so the boundary the recorder uses stays the handful of functions it needs.
import { DROP_REASONS, RATE_TERM_MAX, RS_WORDS, RS_RATE_NUM, RS_RATE_DEN, RS_STREAM_NUM, RS_STREAM_DEN, RS_NEEDS_RATE } from "./core-abi.js";
import { RS_AUDIO_FRAMES, RS_AUDIO_UNSUPPORTED, RS_REFUSED_OBJECT_TYPE, RS_REFUSED_SAMPLE_RATE, RS_REFUSED_CHANNELS, RS_UNSUPPORTED_VIDEO } from "./core-abi.js";
import type { DropReason } from "./core-types.js";
import { InvalidOptionError, wholeNumber } from "./options.js";

export { RAW_CHUNK_BYTES } from "./core-abi.js";

/** The raw readers' exports (see assembly/raw-input.ts, exported by assembly/index.ts). */
export interface RawExports {
  memory: WebAssembly.Memory;
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
  rawAudioDue(): number;
}

/** Largest numerator or denominator of a frame rate in lowest terms. */
export const FRAME_RATE_TERM_MAX = RATE_TERM_MAX;

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

/** What the raw stream readers found (assembly/abi.ts RS_*). */
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
  /** The video is a codec we recognise but do not carry ("codec-h266", "codec-mjpeg"): nothing of it is muxed. */
  unsupportedVideo?: DropReason;
}

/** The raw readers of one core instance (MuxerCore.raw). */
export class RawStreams {
  private readonly core: RawExports;
  private readonly bytes: Uint8Array;
  private readonly words: Uint32Array;

  constructor(core: RawExports) {
    this.core = core;
    // Memory never grows after init, so these views stay valid for the core's life.
    this.bytes = new Uint8Array(core.memory.buffer);
    this.words = new Uint32Array(core.memory.buffer, core.rawStatusPointer(), RS_WORDS);
  }

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
    const w = this.words;
    return {
      rate: w[RS_RATE_NUM] ? [w[RS_RATE_NUM], w[RS_RATE_DEN]!] : undefined,
      streamRate: w[RS_STREAM_NUM] ? [w[RS_STREAM_NUM], w[RS_STREAM_DEN]!] : undefined,
      needsRate: w[RS_NEEDS_RATE] === 1,
      audioFrames: w[RS_AUDIO_FRAMES]!,
      audioUnsupported: w[RS_AUDIO_UNSUPPORTED]!,
      refusedAudio: w[RS_AUDIO_UNSUPPORTED]
        ? { objectType: w[RS_REFUSED_OBJECT_TYPE]!, sampleRate: w[RS_REFUSED_SAMPLE_RATE]!, channels: w[RS_REFUSED_CHANNELS]! }
        : undefined,
      unsupportedVideo: w[RS_UNSUPPORTED_VIDEO] ? DROP_REASONS[w[RS_UNSUPPORTED_VIDEO]!] : undefined,
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

  /** The audio should be fed next: it is not more than RAW_AUDIO_LEAD_TICKS ahead of the video (stream time). */
  rawAudioDue(): boolean {
    return this.core.rawAudioDue() === 1;
  }

  /** Stream time (90 kHz ticks) of the next video frame and of the next audio frame. */
  rawStreamTimes(): { video: number; audio: number } {
    return { video: this.core.rawVideoTime(), audio: this.core.rawAudioTime() };
  }
}
