// A live Annex B H.264 or H.265 pipe (standard input: `rpicam-vid -t 0 --inline -o - | ipc-hls record - …`). The
// codec is seen in the first NAL unit (annexb-codec.ts) and the recorder made for it; access units are cut as the
// bytes arrive and written straight into the recorder's frame buffer; each is stamped with its
// arrival time smoothed to the frame interval (src/record/arrival-clock.ts). A pipe that stays silent longer than
// the stall timeout is treated like a camera that dropped: what follows starts at the next IDR, on a timeline
// that shows the pause. The end of the pipe ends the recording.
import type { Readable } from "node:stream";
import { AccessUnitSplitter } from "../access-unit-splitter.js";
import { annexBCodec } from "../annexb-codec.js";
import { ArrivalClock } from "../arrival-clock.js";
import type { FrameSink, RecordedCodec, RecorderFor, Source, SourceSession } from "../source.js";

/** Bytes looked at for the first NAL header; a stream without one so far is taken as H.264 (the core's default). */
const SNIFF_BYTES = 64 * 1024;

export interface LivePipeOptions {
  /** The stream's frame rate (--fps); without it the measured arrival rate is used. */
  fps?: number;
  /** Silence longer than this (ms) is a stall. Default 5000. */
  stallMs?: number;
  /** Reports a stall, the pipe resuming, a frame rate that disagrees with the arrival rate. */
  notice?: (line: string) => void;
  /** The pipe stalled (the camera is down until it resumes). */
  stalled?: () => void;
  /** The pipe resumed after a stall (counted like a reconnect). */
  resumed?: () => void;
}

export class LivePipeSource implements Source {
  readonly mayHaveAudio = false;
  readonly reopens = false;

  constructor(
    private readonly input: Readable,
    readonly label: string,
    private readonly options: LivePipeOptions = {},
  ) {}

  async open(sink: FrameSink, recorderFor: RecorderFor, signal: AbortSignal): Promise<SourceSession> {
    const { input, options } = this;
    // The first bytes say the codec; the pipe waits (paused) while the recorder is made for it.
    const first = await firstBytes(input, signal);
    const codec: RecordedCodec = annexBCodec(Buffer.concat(first)) ?? "h264";
    await recorderFor(codec);
    const notice = options.notice ?? (() => {});
    const stallMs = options.stallMs ?? 5000;
    const clock = new ArrivalClock(options.fps, (m) =>
      notice(`--fps ${m.givenFps} disagrees with the arrival rate (${m.measuredFps.toFixed(2)} frames/s): timestamps follow the arrivals`),
    );
    let bytes = 0;
    let framesLost = 0;
    let arrivalUs = 0;
    // After a stall frames are skipped until an IDR, as after a reconnect.
    let waitForIdr = false;
    const splitter = new AccessUnitSplitter(sink.videoTarget, {
      unit: (length, idr) => {
        if (waitForIdr && !idr) {
          framesLost++;
          return;
        }
        waitForIdr = false;
        sink.video(length, clock.stamp(arrivalUs));
      },
      tooLarge: () => {
        framesLost++;
        sink.videoLost("too-large");
      },
    }, codec);

    let stalled = false;
    let stallTimer: NodeJS.Timeout | undefined;
    const armStallTimer = () => {
      clearTimeout(stallTimer);
      stallTimer = setTimeout(() => {
        stalled = true;
        options.stalled?.();
        notice(`${this.label}: no data for ${stallMs / 1000} s: stalled, waiting`);
      }, stallMs);
    };

    let finish!: (reason: Error | undefined) => void;
    const ended = new Promise<Error | undefined>((resolve) => (finish = resolve));
    const onData = (chunk: Buffer) => {
      arrivalUs = performance.now() * 1000;
      bytes += chunk.byteLength;
      if (stalled) {
        stalled = false;
        if (splitter.reset()) framesLost++; // the frame held back when the pipe stopped: it may be cut short
        clock.restart();
        waitForIdr = true;
        notice(`${this.label}: data again after a stall; recording from the next IDR`);
        options.resumed?.();
      }
      armStallTimer();
      splitter.push(chunk);
    };
    const onEnd = () => {
      splitter.end();
      done(undefined);
    };
    const onError = (err: Error) => done(err);
    const done = (reason: Error | undefined) => {
      clearTimeout(stallTimer);
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      finish(reason);
    };
    const onAbort = () => {
      // The recording is over (a pipe is not reopened): let go of it, so nothing keeps the process alive.
      input.destroy();
      done(undefined);
    };
    input.on("data", onData);
    input.once("end", onEnd);
    input.once("error", onError);
    signal.addEventListener("abort", onAbort, { once: true });
    armStallTimer();
    for (const chunk of first) onData(chunk);
    if (signal.aborted) onAbort();
    else if (input.errored) onError(input.errored);
    else if (input.readableEnded) onEnd();
    else input.resume();
    return {
      description: `${codec === "h265" ? "H.265" : "H.264"} from ${this.label}${options.fps ? ` at ${options.fps} frames/s` : ", frame rate measured from arrivals"}`,
      ended,
      stats: () => ({ framesLost, bytes }),
      close: async () => onAbort(),
    };
  }
}

/** Chunks until they hold a NAL header (or SNIFF_BYTES), the end of the pipe, or the abort. */
function firstBytes(input: Readable, signal: AbortSignal): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      length += chunk.byteLength;
      if (length >= SNIFF_BYTES || annexBCodec(chunks.length === 1 ? chunk : Buffer.concat(chunks))) done();
    };
    const done = () => {
      input.pause(); // (at once: a flowing stream may emit more data in this same turn)
      input.off("data", onData);
      input.off("end", done);
      input.off("error", done);
      signal.removeEventListener("abort", done);
      resolve(chunks);
    };
    input.on("data", onData);
    input.once("end", done);
    input.once("error", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
