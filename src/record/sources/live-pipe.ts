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
    // The first bytes say the codec: they wait in `first` while the recorder is made for it, then the splitter
    // (which writes into that recorder's frame buffer) takes them.
    let codec: RecordedCodec | undefined;
    let first: Buffer[] | undefined = [];
    let ready!: () => void;
    let notReady!: (err: Error) => void;
    const isReady = new Promise<void>((resolve, reject) => ((ready = resolve), (notReady = reject)));
    const split = (): AccessUnitSplitter => new AccessUnitSplitter(sink.videoTarget, {
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
    let splitter: AccessUnitSplitter | undefined;
    const decide = (chosen: RecordedCodec) => {
      codec = chosen;
      recorderFor(chosen).then(
        () => {
          if (finished) return;
          splitter = split();
          for (const chunk of first!) splitter.push(chunk);
          first = undefined;
          ready();
        },
        (err: unknown) => {
          const error = err instanceof Error ? err : new Error(String(err));
          notReady(error); // open() fails with it (before done() would let it return)
          done(error);
        },
      );
    };
    let firstBytes = 0;

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
        if (splitter?.reset()) framesLost++; // the frame held back when the pipe stopped: it may be cut short
        clock.restart();
        waitForIdr = true;
        notice(`${this.label}: data again after a stall; recording from the next IDR`);
        options.resumed?.();
      }
      armStallTimer();
      if (splitter) {
        splitter.push(chunk);
        return;
      }
      first!.push(chunk);
      firstBytes += chunk.byteLength;
      if (codec === undefined) {
        const seen = annexBCodec(first!.length === 1 ? chunk : Buffer.concat(first!));
        if (seen || firstBytes >= SNIFF_BYTES) decide(seen ?? "h264");
      }
    };
    const onEnd = () => {
      const last = () => {
        splitter?.end();
        done(undefined);
      };
      if (splitter || firstBytes === 0) last();
      else {
        // A pipe shorter than the look for the codec, or that ended while its recorder was being made.
        if (codec === undefined) decide(annexBCodec(Buffer.concat(first!)) ?? "h264");
        isReady.then(last, () => {});
      }
    };
    const onError = (err: Error) => done(err);
    let finished = false;
    const done = (reason: Error | undefined) => {
      if (finished) return;
      finished = true;
      clearTimeout(stallTimer);
      input.off("data", onData);
      input.off("end", onEnd);
      input.off("error", onError);
      signal.removeEventListener("abort", onAbort);
      finish(reason);
      ready(); // (open() returns; nothing more to record)
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
    await isReady;
    return {
      description: `${codec === "h265" ? "H.265" : "H.264"} from ${this.label}${options.fps ? ` at ${options.fps} frames/s` : ", frame rate measured from arrivals"}`,
      ended,
      stats: () => ({ framesLost, bytes }),
      close: async () => onAbort(),
    };
  }
}
