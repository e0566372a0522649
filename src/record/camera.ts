// One camera: a source recorded through its own HlsRecorder, reopened after every drop with a backoff from 1 s
// to 30 s (full jitter), forever, until stopped. Frames from every session go onto one timeline, so a reconnect
// shows as a gap (a discontinuity in playlists) and never as time going back. The store may be unreachable at
// start: the ring (and the spill directory) hold the recording until it answers. Only a refusal that cannot
// heal (no such bucket, access denied) stops the camera; nothing here stops another camera.
// A recorder is made for one video codec (its container follows it): the first one is started at once (it
// uploads what an earlier run spilled) and takes H.264; a session that brings another codec (an H.265 camera, or
// a camera switched from one to the other) gets a new recorder, the old one finished. A stream that cannot be
// recorded at all (MJPEG...) stops the camera with one line.
import { HlsRecorder, type HlsRecorderOptions, type RecorderStats } from "../sdk.js";
import { backoffDelay, sleep, type BackoffOptions } from "../retry.js";
import { S3ResponseError } from "../s3/errors.js";
import { Timeline } from "./timeline.js";
import { UnrecordableSourceError, type FrameSink, type RecordedCodec, type Source, type SourceSession } from "./source.js";
import type { CameraMetrics } from "../metrics.js";

export const RECONNECT_BACKOFF: BackoffOptions = { baseMs: 1000, capMs: 30_000 };
/** Store answers that retrying will not change: the camera stops with one line. */
const REFUSALS = new Set(["NoSuchBucket", "AccessDenied", "AllAccessDisabled", "InvalidBucketName"]);

export type CameraState = "starting" | "connecting" | "recording" | "waiting" | "stopping" | "stopped" | "failed";

export interface CameraLog {
  /** Something happened (connected, reconnecting...). */
  info(camera: string, line: string): void;
  /** Something is wrong (one line; never a secret). */
  error(camera: string, line: string): void;
}

export interface CameraOptions {
  name: string;
  /** Where its keys go: "<prefix>/<name>" or "<name>" (default). */
  keyPrefix?: string;
  source: Source;
  /** The recorder's options; its prefix is the camera's name. */
  recorder: Omit<HlsRecorderOptions, "prefix" | "audio">;
  log: CameraLog;
  /** At stop, wait at most this long for uploads (ms); what is left is spilled or counted lost. Default 30 000. */
  closeDeadlineMs?: number;
  backoff?: BackoffOptions;
}

export interface CameraStatus {
  name: string;
  state: CameraState;
  source: string;
  stats: RecorderStats;
  /** Sessions opened after the first one (reconnects, and a live pipe resuming after a stall). */
  reconnects: number;
  /** Frames the source lost (RTP loss, too large, skipped after a stall) plus audio that waited too long. */
  sourceFramesLost: number;
  /** Seconds since the last segment was uploaded, undefined before the first. */
  secondsSinceUpload?: number;
  /** Share of the ring in use now (0..1). */
  bufferUse: number;
  /** Why the camera stopped, when it failed. */
  failure?: string;
}

export class Camera {
  readonly name: string;
  private current: HlsRecorder;
  /** The codec the current recorder takes (the first one's "auto" takes H.264 as it always did). */
  private codec: RecordedCodec;
  /** Stats of the recorders this camera finished after a codec change. */
  private retired?: RecorderStats;
  private state: CameraState = "starting";
  private readonly stopper = new AbortController();
  private readonly timeline = new Timeline();
  private reconnects = 0;
  private framesLost = 0;
  private lastUploadAt?: number;
  private failure?: string;
  private lastErrorLine?: string;
  /** The last trouble reported (kept across sessions): why a camera that recorded nothing recorded nothing. */
  private lastTrouble?: string;
  private session?: SourceSession;
  private sessionLost = 0;
  private readonly startedMs = Date.now();
  private lastUploadMs?: number;

  constructor(private readonly options: CameraOptions) {
    this.name = options.name;
    this.current = this.newRecorder(options.recorder.videoCodec);
    this.codec = options.recorder.videoCodec === "h265" ? "h265" : "h264";
  }

  /** The recorder taking the frames now (another one after the camera changed codec). */
  get recorder(): HlsRecorder {
    return this.current;
  }

  private newRecorder(videoCodec: HlsRecorderOptions["videoCodec"]): HlsRecorder {
    const recorder = new HlsRecorder({
      ...this.options.recorder,
      videoCodec,
      prefix: this.options.keyPrefix ?? this.options.name,
      audio: this.options.source.mayHaveAudio,
      // A live source cannot wait: when the store falls behind, whole old segments give way (counted).
      overflowPolicy: "drop-oldest",
    });
    recorder.on("segment-uploaded", () => {
      this.lastUploadAt = performance.now();
      this.lastUploadMs = Date.now();
    });
    recorder.on("segment-dropped", (d) => this.error(`segment ${d.seq} lost (${d.reason})${d.error ? `: ${d.error.message}` : ""}`));
    recorder.on("error", (err) => {
      if (err instanceof S3ResponseError && REFUSALS.has(err.code)) {
        this.fail(`the store refuses the recording (${err.code}): ${err.message}`);
      } else this.error(err.message);
    });
    return recorder;
  }

  /** The recorder for a session's codec: the current one, or a new one when the codec changed (the old one finished). */
  private async recorderFor(codec: RecordedCodec): Promise<HlsRecorder> {
    const made = this.codec;
    if (codec === made || this.stopper.signal.aborted) return this.current;
    const old = this.current;
    const tookFrames = old.stats().videoFramesIn > 0;
    // (Nothing recorded yet: nothing to wait for; spilled segments it was uploading stay for the next recorder.)
    const stats = await old.close({ deadlineMs: tookFrames ? (this.options.closeDeadlineMs ?? 30_000) : 0 });
    this.retired = this.retired ? addStats(this.retired, stats) : stats;
    if (tookFrames) this.info(`the camera now sends ${codecName(codec)} (it sent ${codecName(made)}): a new recording`);
    this.current = this.newRecorder(codec);
    this.codec = codec;
    try {
      await this.current.start();
    } catch (err) {
      // e.g. options that do not take this codec: the camera cannot record what it sends.
      throw new UnrecordableSourceError(`cannot record ${codecName(codec)}: ${(err as Error).message}`);
    }
    return this.current;
  }

  /** Records until stop() (or the source ends, or the store refuses); resolves to the final stats. */
  async run(): Promise<RecorderStats> {
    try {
      await this.current.start();
    } catch (err) {
      this.fail(`cannot start: ${(err as Error).message}`);
      this.state = "failed";
      return this.stats();
    }
    try {
      await this.record();
    } catch (err) {
      // A bug must not take the other cameras down: this one stops, with its reason.
      this.fail(`stopped by an unexpected error: ${(err as Error).message}`);
    }
    this.state = "stopping";
    let stats: RecorderStats;
    try {
      stats = await this.current.close({ deadlineMs: this.options.closeDeadlineMs ?? 30_000 });
      if (this.retired) stats = addStats(this.retired, stats);
    } catch (err) {
      this.fail(`closing failed: ${(err as Error).message}`);
      stats = this.stats();
    }
    this.state = this.failure ? "failed" : "stopped";
    return stats;
  }

  /** The reconnect loop: sessions one after the other until stopped or the source ends. */
  private async record(): Promise<void> {
    const signal = this.stopper.signal;
    const sink = this.frameSink();
    const stopped = new Promise<undefined>((resolve) => signal.addEventListener("abort", () => resolve(undefined), { once: true }));
    let failures = 0;
    let connected = false;
    for (let opened = 0; !signal.aborted; opened++) {
      this.state = "connecting";
      if (opened > 0) this.reconnects++;
      let session: SourceSession;
      // (Before open: a source may hand over its first frames before open() returns, e.g. a pipe's first bytes.)
      this.timeline.newSession();
      try {
        session = await this.options.source.open(sink, (codec) => this.recorderFor(codec), signal);
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof UnrecordableSourceError) {
          this.fail(err.message);
          break;
        }
        this.error((err as Error).message);
        await this.wait(failures++);
        continue;
      }
      this.session = session;
      this.state = "recording";
      this.lastErrorLine = undefined;
      this.info(`${connected ? "reconnected" : "recording"}: ${session.description}`);
      connected = true;
      if (session.notice) this.info(session.notice);
      const framesBefore = this.stats().videoFramesIn;
      const ended = session.ended.catch((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
      const reason = await Promise.race([ended, stopped]);
      await session.close().catch(() => {});
      this.session = undefined;
      this.sessionLost += framesLostIn(session);
      if (signal.aborted) break;
      if (!this.options.source.reopens) {
        if (reason) this.error(`${this.options.source.label}: ${reason.message}`);
        else this.info(`${this.options.source.label} ended`);
        break;
      }
      // A session that delivered video starts the backoff again from its first step.
      if (this.stats().videoFramesIn > framesBefore) failures = 0;
      this.error(`disconnected${reason ? `: ${reason.message}` : " (the camera closed the stream)"}`);
      await this.wait(failures++);
    }
  }

  /** Stops recording: the session closes, the open segment is finished and uploaded (or spilled). */
  stop(): void {
    this.stopper.abort();
  }

  get failed(): string | undefined {
    return this.failure;
  }

  /** The counters of every recorder of this camera (the current one's buffer figures). */
  private stats(): RecorderStats {
    const now = this.current.stats();
    return this.retired ? addStats(this.retired, now) : now;
  }

  /** Why the camera recorded nothing (a wrong password, an unreachable camera, a file with no frame rate), if trouble is why. */
  get nothingRecorded(): string | undefined {
    return this.stats().segmentsMade === 0 ? this.lastTrouble : undefined;
  }

  status(): CameraStatus {
    const stats = this.stats();
    return {
      name: this.name,
      state: this.state,
      source: this.options.source.label,
      stats,
      reconnects: this.reconnects,
      sourceFramesLost: this.sourceFramesLost,
      secondsSinceUpload: this.lastUploadAt === undefined ? undefined : (performance.now() - this.lastUploadAt) / 1000,
      bufferUse: stats.bufferCapacity ? stats.bufferUsed / stats.bufferCapacity : 0,
      failure: this.failure,
    };
  }

  /** Video frames lost at the source, in every session so far. */
  private get sourceFramesLost(): number {
    return this.framesLost + this.sessionLost + (this.session ? framesLostIn(this.session) : 0);
  }

  /** The numbers of the metrics server (src/metrics.ts). */
  metrics(): CameraMetrics {
    const s = this.stats();
    return {
      name: this.name,
      up: this.state === "recording",
      videoFramesIn: s.videoFramesIn,
      audioFramesIn: s.audioFramesIn,
      sourceFramesLost: this.sourceFramesLost,
      segmentsUploaded: s.segmentsUploaded,
      segmentsDropped: s.segmentsDropped,
      segmentsSpilled: s.segmentsSpilled,
      reconnects: this.reconnects,
      startedMs: this.startedMs,
      lastUploadMs: this.lastUploadMs,
      bufferBytesUsed: s.bufferUsed,
      bufferBytesCapacity: s.bufferCapacity,
    };
  }

  /** A live pipe stalled: down (metrics `up` 0) until it resumes. */
  stalled(): void {
    if (this.state === "recording") this.state = "waiting";
  }

  /** A live pipe resumed after a stall: counted like a reconnect. */
  resumed(): void {
    this.reconnects++;
    if (this.state === "waiting") this.state = "recording";
  }

  /** Where sessions put frames: video straight into the recorder's frame buffer, on the camera's timeline. */
  private frameSink(): FrameSink {
    const camera = this;
    const timeline = this.timeline;
    return {
      get videoTarget() {
        return camera.current.frameBuffer;
      },
      video: (length, ptsUs) => {
        this.current.putVideoFrameInPlace(length, timeline.map(ptsUs));
      },
      // (Sources call this between video frames, never while one is being written into the frame buffer.)
      audio: (adts, ptsUs) => {
        this.current.putAudioFrame(adts, timeline.map(ptsUs));
      },
      videoLost: () => {
        this.framesLost++;
        this.current.videoFrameLost(); // (what refers to it waits for the next IDR)
      },
    };
  }

  private async wait(failures: number): Promise<void> {
    this.state = "waiting";
    const ms = backoffDelay(failures, this.options.backoff ?? RECONNECT_BACKOFF);
    await sleep(ms, this.stopper.signal).catch(() => {});
  }

  private fail(line: string): void {
    if (this.failure) return;
    this.failure = line;
    this.options.log.error(this.name, `${line}; this camera stops`);
    this.stop();
  }

  private info(line: string): void {
    this.options.log.info(this.name, line);
  }

  /** One line per kind of trouble: the same line again (every retry) is not repeated. */
  private error(line: string): void {
    this.lastTrouble = line;
    if (line === this.lastErrorLine) return;
    this.lastErrorLine = line;
    this.options.log.error(this.name, line);
  }
}

/** Frames a session's source lost; 0 if its counters fail (they are only for display). */
function framesLostIn(session: SourceSession): number {
  try {
    return session.stats?.().framesLost ?? 0;
  } catch {
    return 0;
  }
}

const codecName = (codec: RecordedCodec) => (codec === "h265" ? "H.265" : "H.264");

/** Figures of the moment (the ring, the backlog, latencies): the later recorder's; counters: the sum. */
const LATEST_ONLY = new Set<keyof RecorderStats>(["segmentsPending", "bufferCapacity", "bufferUsed", "bufferHighWater", "spillBacklog", "spillBytes", "uploadLatencyMs"]);

function addStats(before: RecorderStats, later: RecorderStats): RecorderStats {
  const sum = { ...later } as Record<string, unknown>;
  for (const [key, value] of Object.entries(before)) {
    if (typeof value === "number" && !LATEST_ONLY.has(key as keyof RecorderStats)) sum[key] = value + (later[key as keyof RecorderStats] as number);
  }
  return sum as unknown as RecorderStats;
}
