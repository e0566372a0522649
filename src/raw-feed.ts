// Feeds raw elementary streams (Annex B H.264 and ADTS AAC, as files or pipes deliver them) to the core, or to
// a recorder, interleaved by stream time. Used by `ipc-hls mux`, `push` and `demo`, so all make the same bytes.

import type { RawStreamStatus } from "./core.js";
import type { DropReason } from "./core-types.js";
import { RAW_AUDIO_PIECE_BYTES, RAW_TIMING_MISMATCH, RAW_VIDEO_PIECE_BYTES } from "./core-abi.js";

/** What takes raw streams: MuxerCore and HlsRecorder both do. */
export interface RawStreamSink {
  putRawVideo(bytes: Uint8Array): unknown;
  endRawVideo(): unknown;
  putRawAudio(bytes: Uint8Array): unknown;
  endRawAudio(): unknown;
  /** Stream time (90 kHz ticks) of the next video frame and of the next audio frame. */
  rawStreamTimes(): { video: number; audio: number };
  /** The audio should be fed next (the core's rule: it is at most half a second ahead of the video). */
  rawAudioDue(): boolean;
  /**
   * Resolves when the next chunk can go in without the overflow policy dropping anything (a recorder waits for
   * its uploads here). A sink that drains synchronously (`mux` writes each segment as it is finished) has none.
   */
  whenWritable?(options: { signal?: AbortSignal }): Promise<unknown>;
  rawStatus(): RawStreamStatus;
}

/**
 * The inputs cannot be muxed as given: "needs-rate" (no rate given and the stream's SPS carries none),
 * "no-audio" (the audio input holds no ADTS frame we can carry) or "unsupported-video" (the video is H.266/VVC or
 * MJPEG). Nothing was muxed when it is thrown.
 */
export class RawInputError extends Error {
  override name = "RawInputError";
  constructor(
    readonly reason: "needs-rate" | "no-audio" | "unsupported-video",
    message: string,
  ) {
    super(message);
  }
}

/** What a video stream the core refused by codec (RawStreamStatus.unsupportedVideo, a put's drop reason) is. */
export function unsupportedVideoMessage(reason: DropReason): string {
  const what = reason === "codec-h266" ? "H.266/VVC" : reason === "codec-mjpeg" ? "MJPEG (Motion JPEG)" : reason;
  return `${what} is not supported: ipc-hls takes H.264 or H.265 (HEVC) Annex B video; set the camera's stream to one of those`;
}

const AAC_OBJECT_TYPES = ["", "AAC Main", "AAC-LC", "AAC SSR", "AAC LTP"];

/** Why an audio input gave no frame (the WASI command says the same: assembly/wasi.ts). */
export function noAudioMessage(name: string, status: RawStreamStatus): string {
  const f = status.refusedAudio;
  if (!f) return `no ADTS AAC frame found in ${name}: is it a raw AAC stream (ffmpeg -c:a aac -f adts)?`;
  const channels = f.channels === 1 ? "mono" : f.channels === 2 ? "stereo" : `${f.channels === 7 ? 8 : f.channels} channels`;
  return `audio input ${name} is ${AAC_OBJECT_TYPES[f.objectType]}, ${f.sampleRate} Hz, ${channels}: only AAC-LC, 8 to 48 kHz, mono or stereo is supported`;
}

const rateText = ([num, den]: [number, number]) => (den === 1 ? `${num}` : `${num}/${den}`);
const secondsText = (ticks: number) => {
  const centis = Math.floor((ticks + 450) / 900);
  return `${Math.floor(centis / 100)}.${String(centis % 100).padStart(2, "0")}`;
};

/**
 * After the inputs were fed: a warning line (no newline) for each timing that disagrees by more than 2 %, a given
 * frame rate with the stream's own, and the audio's length with the video's. (assembly/wasi.ts says the same.)
 */
export function timingWarnings(sink: RawStreamSink, rateGiven: boolean): string[] {
  const status = sink.rawStatus();
  const times = sink.rawStreamTimes();
  const lines: string[] = [];
  const [given, stream] = [status.rate, status.streamRate];
  if (rateGiven && given && stream && Math.abs(given[0] * stream[1] - stream[0] * given[1]) * RAW_TIMING_MISMATCH > stream[0] * given[1]) {
    lines.push(`warning: --fps ${rateText(given)} disagrees with the stream's own frame rate ${rateText(stream)} (its SPS): timed at --fps`);
  }
  if (status.audioFrames > 0 && times.video > 0 && Math.abs(times.audio - times.video) * RAW_TIMING_MISMATCH > times.video) {
    lines.push(`warning: the audio lasts ${secondsText(times.audio)} s and the video ${secondsText(times.video)} s, more than 2 % apart: is the frame rate right?`);
  }
  return lines;
}

// Video goes in small chunks and audio when the core says it is due, so that each audio frame is queued in the
// core before the video that follows it in time (the core then interleaves in timestamp order). Both streams
// start at stream time 0, the first picture's presentation time. (The WASI command feeds the same pieces.)
export const VIDEO_CHUNK = RAW_VIDEO_PIECE_BYTES;
export const AUDIO_CHUNK = RAW_AUDIO_PIECE_BYTES;

export interface FeedOptions {
  /** Called after each video chunk with the stream time reached (ticks); may wait (real-time pacing). */
  pace?: (videoTicks: number) => Promise<void>;
  /**
   * Stops feeding (e.g. Ctrl-C): between chunks, while waiting for room, and while reading (give the sources the
   * same signal, see fileChunks, so a read that waits on a pipe ends too). A unit cut short is not muxed.
   */
  signal?: AbortSignal;
  /** Ends the waits for room (default: `signal`), e.g. once the uploads stalled: the overflow policy applies then. */
  roomWaitSignal?: AbortSignal;
  /** The source plays a live camera (real-time pace): it cannot wait for room, the overflow policy applies. */
  live?: boolean;
  /** The audio input's name, for the error when it holds no usable frame. */
  audioName?: string;
}

export async function feedRawStreams(
  sink: RawStreamSink,
  video: AsyncIterable<Uint8Array>,
  audio: AsyncIterable<Uint8Array> | undefined,
  options: FeedOptions = {},
): Promise<void> {
  const { signal } = options;
  const videoChunks = video[Symbol.asyncIterator]();
  const audioChunks = audio?.[Symbol.asyncIterator]();
  let videoDone = false;
  let audioDone = audioChunks === undefined;
  try {
    while (!signal?.aborted) {
      const isAudio = !audioDone && (videoDone || sink.rawAudioDue());
      if (!isAudio && videoDone) break;
      const next = await read(isAudio ? audioChunks! : videoChunks, signal);
      if (!next) break; // stopped while reading
      if (isAudio && next.done) {
        audioDone = true;
        sink.endRawAudio();
        // Audio that never advances is all read before the first video: an input with no usable frame stops here.
        const status = sink.rawStatus();
        if (status.audioFrames === 0) throw new RawInputError("no-audio", noAudioMessage(options.audioName ?? "the audio input", status));
        continue;
      }
      // A file must not outrun the uploads: wait for ring space before each put (the end of the video may mux
      // its last unit).
      if (!options.live) await sink.whenWritable?.({ signal: options.roomWaitSignal ?? signal });
      if (signal?.aborted) break;
      if (isAudio) {
        sink.putRawAudio(next.value as Uint8Array);
        continue;
      }
      if (next.done) {
        sink.endRawVideo();
        videoDone = true;
      } else {
        sink.putRawVideo(next.value);
      }
      const status = sink.rawStatus();
      if (status.unsupportedVideo) throw new RawInputError("unsupported-video", unsupportedVideoMessage(status.unsupportedVideo));
      if (status.needsRate) throw new RawInputError("needs-rate", "the stream's SPS carries no frame rate (no VUI timing)");
      await options.pace?.(sink.rawStreamTimes().video);
    }
  } finally {
    // Close the sources (files stay open otherwise when the feed stops early).
    await Promise.allSettled([videoChunks.return?.(), audioChunks?.return?.()]);
  }
}

/** The next chunk, or undefined when the feed was stopped while it was being read. */
async function read(chunks: AsyncIterator<Uint8Array>, signal?: AbortSignal): Promise<IteratorResult<Uint8Array> | undefined> {
  try {
    return await chunks.next();
  } catch (err) {
    if (signal?.aborted) return undefined;
    throw err;
  }
}
