// The public API: feed encoder frames in, get HLS segments in S3 (or any ObjectStore). Mirrors the C SDK:
//
//   S3_HLS_SDK_Initialize(buffer, region, bucket, prefix, endpoint)  →  new HlsRecorder({ bufferSize, region, ... })
//   S3_HLS_SDK_Set_Credential(ak, sk, token)                         →  recorder.setCredentials(ak, sk, token, expiration)
//   S3_HLS_SDK_Set_Tag("k=v")                                        →  recorder.setTags({ k: "v" })
//   S3_HLS_SDK_Start_Upload()                                        →  await recorder.start()
//   S3_HLS_SDK_Put_Video_Frame(&pack)                                →  recorder.putVideoFrame({ parts, timestampUs })
//   S3_HLS_SDK_Put_Audio_Frame(&pack)                                →  recorder.putAudioFrame({ parts, timestampUs })
//   S3_HLS_SDK_Finalize()                                            →  await recorder.close({ deadlineMs })
//
// putVideoFrame/putAudioFrame are synchronous and never block on the network: the frame is muxed into the
// core's ring buffer and finished segments are uploaded in the background. Events report what happened.
// A source that can wait (a file) awaits whenWritable() before each put and so never outruns the uploads.
import { EventEmitter } from "node:events";
import { checkCoreOptions, MuxerCore, RAW_CHUNK_BYTES, type RawStreamStatus } from "./core.js";
import { InvalidOptionError, oneOf, TIMER_MAX_MS, wholeNumber } from "./options.js";
import { CONTAINERS, type Container, type DropReason, type OverflowPolicy, type Segment, type VideoCodec } from "./core-types.js";
import { CredentialSource, type Credentials, type CredentialProvider } from "./credentials.js";
import { S3Store } from "./store/s3-store.js";
import type { ObjectStore } from "./store/types.js";
import { encodeTags } from "./s3/tagging.js";
import { zlibCrc32, type ChecksumMode } from "./s3/checksum.js";
import { initKey, newSessionId, normalizePrefix, sampleEntryOf, segmentKey, type InitRef } from "./keys.js";
import type { InitObject } from "./upload-job.js";
import { Uploader, type RetryInfo, type SpilledInfo, type UploadedInfo } from "./uploader.js";
import { SpillDirectory, type SpillOptions, type SpilledSegment } from "./spill.js";
import type { BackoffOptions } from "./retry.js";
import type { UploadSlots } from "./upload-slots.js";

export interface HlsRecorderOptions {
  /** Ring buffer size in bytes: holds the segments not uploaded yet. The C SDK uses 4 MiB for a 5 Mbps camera. */
  bufferSize: number;
  /** AWS region, also the signing region of a custom endpoint. Required unless `store` is given. */
  region?: string;
  /** Required unless `store` is given. */
  bucket?: string;
  /** Key prefix, e.g. the camera's thing name. Keys: <prefix>/YYYY/MM/DD/HH/MM-SS.mmm_<dur>ms_<session>-<seq>.ts (src/keys.ts; fMP4: .m4s and <prefix>/init/) */
  prefix?: string;
  /** Custom S3 endpoint URL (MinIO, other S3-compatible stores). */
  endpoint?: string;
  forcePathStyle?: boolean;
  /** Target segment duration (s); segments are cut at the first IDR after it. Default 2. */
  segmentDuration?: number;
  /** When the ring is full: "drop-oldest" (default) or "drop-new". Whole segments are dropped and reported. */
  overflowPolicy?: OverflowPolicy;
  /** Audio will be put beside the video: every segment lists the audio track from the first one on. */
  audio?: boolean;
  /** "auto" (default: seen in the stream), "h264" or "h265". */
  videoCodec?: VideoCodec;
  /**
   * The segments' format: "ts" (MPEG-TS) or "fmp4" (fragmented MP4: `.m4s` segments and an init segment per
   * session and parameter-set change, stored before the first segment that needs it). Default: the core's.
   */
  container?: Container;
  /** Largest access unit accepted (bytes). Default: the core's (bufferSize / 8, between 64 KiB and 1 MiB). */
  maxFrameSize?: number;
  /** Static credentials, or a provider called again before they expire. Can also be set later. */
  credentials?: Credentials | CredentialProvider;
  /** Where segments go instead of S3 (e.g. new LocalStore(dir)). */
  store?: ObjectStore;
  /** How S3 verifies each upload: "crc32" (default, cheapest) or "sha256" (payload hash in the signature). */
  checksum?: ChecksumMode;
  /** Extra CA certificate(s) (PEM) for an endpoint with a private CA. TLS is always verified. */
  ca?: string | Buffer;
  /** Uploads in flight at once. Default 2. */
  concurrency?: number;
  /** An upload limit shared with other recorders in the process (many cameras, one uplink). */
  uploadSlots?: UploadSlots;
  /** A request is abandoned (and retried) when the connection stays silent this long (ms). Default 20 000. */
  requestTimeoutMs?: number;
  /** Backoff between retries: full jitter up to min(capMs, baseMs * 2^attempt). Default 500 ms, 16 s. */
  retryBackoff?: BackoffOptions;
  /** Object tags (at most 10); also settable with setTags(). */
  tags?: Record<string, string>;
  /** Session id in the keys (8 hex digits). Default: a random one per recorder. */
  session?: string;
  /** The device clock (ms since epoch). Default Date.now. The S3 store corrects it from the server's Date. */
  now?: () => number;
  /**
   * Store and forward on local storage (e.g. an SD card): when uploads fall behind, finished segments move from
   * the ring to `spill.dir` and are uploaded from there when the store answers again, oldest first, after the live
   * ones; at close, segments not uploaded stay there for the next recorder with the same directory.
   */
  spill?: SpillOptions;
}

/** One encoder frame given as one or more byte ranges, e.g. [firstPart, secondPart] where the encoder's ring wraps. */
export interface FramePack {
  parts: readonly Uint8Array[];
  /** Presentation timestamp, microseconds. */
  timestampUs: number;
  /** Decode timestamp (video with B-frames), microseconds. Default: timestampUs. */
  decodeTimestampUs?: number;
}

/** "uncertain": cut off once sent, and the store could not be asked whether it has it. */
export type SegmentDropReason = "buffer-overflow" | "upload-failed" | "close-deadline" | "spill-full" | "uncertain";

export interface SegmentDroppedEvent {
  seq: number;
  reason: SegmentDropReason;
  /** The key it has (or would have had) in the store. */
  key?: string;
  wallStartMs?: number;
  durationMs?: number;
  bytes?: number;
  error?: Error;
}

export interface RecorderStats {
  videoFramesIn: number;
  audioFramesIn: number;
  bytesIn: number;
  videoFramesDropped: number;
  audioFramesDropped: number;
  segmentsMade: number;
  segmentsUploaded: number;
  /** Segments dropped by the overflow policy plus segments whose upload failed or ran out of time at close. */
  segmentsDropped: number;
  segmentsDroppedOverflow: number;
  /** Segments whose upload failed, ran out of time at close, or that the full spill directory pushed out. */
  segmentsFailed: number;
  /** Segments whose upload was cut off once sent and that the store could not confirm or deny having
   *  (counted neither uploaded nor dropped: made = uploaded + dropped + uncertain once nothing is pending). */
  segmentsUncertain: number;
  /** Segments moved to the spill directory, and spilled segments (this run's or earlier ones) uploaded since. */
  segmentsSpilled: number;
  segmentsUploadedFromSpill: number;
  /** Spilled segments waiting in the spill directory, and their bytes. */
  spillBacklog: number;
  spillBytes: number;
  bytesUploaded: number;
  retries: number;
  /** Segments finished and not uploaded yet. */
  segmentsPending: number;
  bufferCapacity: number;
  /** Bytes of the ring in use now (segments not uploaded yet and the open one). */
  bufferUsed: number;
  bufferHighWater: number;
  uploadLatencyMs: { p50: number; max: number };
}

export interface HlsRecorderEvents {
  "segment-uploaded": [UploadedInfo];
  "segment-dropped": [SegmentDroppedEvent];
  "segment-spilled": [SpilledInfo];
  retry: [RetryInfo];
  error: [Error];
}

export interface WhenWritableOptions {
  /** Bytes about to be put. Default: maxFrameSize (the largest frame, or what one raw chunk can complete). */
  bytes?: number;
  /** Ends the wait early (the put then applies the overflow policy as usual). */
  signal?: AbortSignal;
}

/**
 * Ring space a put may take besides its own bytes in 184-byte TS payloads: PES headers, the AUD and parameter
 * sets inserted, PAT/PMT, PCR-only packets (the core allows 3 x 50 + 2 packets) and the queued audio written
 * before the frame (at most the core's 64 KiB audio queue).
 */
const PUT_OVERHEAD_BYTES = 128 * 1024;

/**
 * With a spill directory, a wait for room that nothing ends for this long means the uploads are stuck (the store
 * down): the oldest segment moves to disk. (The ring's share that triggers spilling for a live camera may never be
 * reached while the open segment takes the rest.)
 */
const STUCK_WAIT_MS = 1000;

/** Ring bytes a put of `bytes` may take at most. */
const ringBytesFor = (bytes: number) => Math.ceil(bytes / 184) * 188 + PUT_OVERHEAD_BYTES;

export class NotStartedError extends Error {
  override name = "NotStartedError";
}

// Typed events on top of node:events (the bundled @types/node has no generic EventEmitter).
export interface HlsRecorder {
  on<E extends keyof HlsRecorderEvents>(event: E, listener: (...args: HlsRecorderEvents[E]) => void): this;
  once<E extends keyof HlsRecorderEvents>(event: E, listener: (...args: HlsRecorderEvents[E]) => void): this;
  off<E extends keyof HlsRecorderEvents>(event: E, listener: (...args: HlsRecorderEvents[E]) => void): this;
  emit<E extends keyof HlsRecorderEvents>(event: E, ...args: HlsRecorderEvents[E]): boolean;
}

export class HlsRecorder extends EventEmitter {
  /** The session id used in every key of this recorder. */
  readonly session: string;
  readonly prefix: string;
  private readonly options: HlsRecorderOptions;
  private readonly credentials = new CredentialSource();
  private readonly store: ObjectStore;
  private readonly ownStore?: S3Store;
  private readonly clock: () => number;
  private tags: Record<string, string> = {};
  private core?: MuxerCore;
  private uploader?: Uploader;
  private readonly spill?: SpillDirectory;
  private state: "new" | "starting" | "running" | "closing" | "closed" = "new";
  private droppedOverflow = 0;
  /** fMP4: copies of the init segments the latest segments need (the core reuses its two init areas). */
  private readonly inits = new Map<number, InitObject>();
  /** fMP4: the init segment of the latest segment, for the keys of segments the core drops. */
  private lastInit?: InitRef;
  /** Callers of whenWritable waiting for ring space. */
  private readonly roomWaiters = new Set<() => void>();

  constructor(options: HlsRecorderOptions) {
    super();
    // Every option is checked here, so a mistake is an InvalidOptionError now, not a failed start or upload later.
    if (typeof options !== "object" || options === null) throw new InvalidOptionError("options", "must be an object");
    checkCoreOptions(options);
    if (options.concurrency !== undefined) wholeNumber("concurrency", options.concurrency, 1, 64);
    if (options.requestTimeoutMs !== undefined) wholeNumber("requestTimeoutMs", options.requestTimeoutMs, 1, TIMER_MAX_MS, "ms");
    if (options.retryBackoff !== undefined) {
      const capMs = wholeNumber("retryBackoff.capMs", options.retryBackoff.capMs, 1, TIMER_MAX_MS, "ms");
      wholeNumber("retryBackoff.baseMs", options.retryBackoff.baseMs, 1, capMs, "ms");
    }
    if (options.checksum !== undefined) oneOf("checksum", options.checksum, ["crc32", "sha256"]);
    if (options.container !== undefined) oneOf("container", options.container, CONTAINERS);
    for (const name of ["now", "credentials"] as const) {
      const value = options[name];
      if (value !== undefined && typeof value !== "function" && (name === "now" || typeof value !== "object" || value === null)) {
        throw new InvalidOptionError(name, name === "now" ? "must be a function returning ms since the epoch" : "must be credentials or a provider function");
      }
    }
    if (options.ca !== undefined && typeof options.ca !== "string" && !(options.ca instanceof Uint8Array)) throw new InvalidOptionError("ca", "must be PEM text or a Buffer");
    if (options.store !== undefined && typeof (options.store as Partial<ObjectStore> | null)?.put !== "function") {
      throw new InvalidOptionError("store", "must be an ObjectStore (e.g. new LocalStore(dir))");
    }
    this.options = options;
    this.session = options.session ?? newSessionId();
    if (typeof this.session !== "string" || !/^[0-9a-f]{8}$/.test(this.session)) throw new InvalidOptionError("session", "must be 8 lower-case hex digits");
    this.prefix = normalizePrefix(options.prefix ?? "");
    this.spill = options.spill && new SpillDirectory(options.spill); // (checks the options; the disk waits for start)
    if (options.credentials) this.applyCredentials(options.credentials);
    if (options.tags) this.setTags(options.tags);
    if (options.store) {
      this.store = options.store;
      this.clock = options.now ?? Date.now;
    } else {
      if (!options.region || !options.bucket) throw new RangeError("region and bucket are required (or pass a store)");
      const s3 = new S3Store({
        location: { region: options.region, bucket: options.bucket, endpoint: options.endpoint, forcePathStyle: options.forcePathStyle },
        credentials: () => this.credentials.get(),
        ca: options.ca,
        timeoutMs: options.requestTimeoutMs,
        now: options.now,
        checksum: options.checksum,
        // Node < 20.15 has no zlib.crc32: the core's reads the ring in place (set once started; uploads only happen
        // after start), a spilled segment is summed in JS.
        crc32: zlibCrc32 ?? ((parts) => this.core!.crc32(parts)),
        maxSockets: options.concurrency ?? 2,
      });
      this.store = s3;
      this.ownStore = s3;
      // Segment times come from the clock the store agrees with (corrected from its Date header).
      this.clock = () => s3.connection.clock.now();
    }
  }

  /** Where segments go, e.g. "s3://bucket at http://127.0.0.1:9000"; never contains secrets. */
  get destination(): string {
    return this.store.description;
  }

  /**
   * Sets or replaces the credentials, at any time (Set_Credential). Uploads waiting after an auth failure resume.
   * Accepts (accessKeyId, secretAccessKey, sessionToken?, expiration?), a credentials object, or a provider.
   */
  setCredentials(credentials: Credentials | CredentialProvider): void;
  setCredentials(accessKeyId: string, secretAccessKey: string, sessionToken?: string, expiration?: Date): void;
  setCredentials(a: string | Credentials | CredentialProvider, secretAccessKey?: string, sessionToken?: string, expiration?: Date): void {
    if (typeof a === "string") this.applyCredentials({ accessKeyId: a, secretAccessKey: secretAccessKey ?? "", sessionToken, expiration });
    else this.applyCredentials(a);
  }

  private applyCredentials(c: Credentials | CredentialProvider): void {
    if (typeof c === "function") this.credentials.setProvider(c);
    else this.credentials.set(c);
  }

  /** Sets the tags of the segments uploaded from now on (Set_Tag). At most 10; throws InvalidTagError. */
  setTags(tags: Record<string, string>): void {
    encodeTags(tags); // validates
    this.tags = { ...tags };
  }

  /** Loads the WASM core and starts accepting frames (Start_Upload). */
  async start(): Promise<void> {
    if (this.state !== "new") throw new Error(`start() called twice (state: ${this.state})`);
    this.state = "starting";
    const o = this.options;
    try {
      this.core = await MuxerCore.create({
        bufferSize: o.bufferSize,
        maxFrameSize: o.maxFrameSize,
        segmentDuration: o.segmentDuration,
        overflowPolicy: o.overflowPolicy ?? "drop-oldest",
        audio: o.audio,
        videoCodec: o.videoCodec,
        container: o.container,
        clock: () => this.clock(), // (the store may correct it: read it through this.clock each time)
      });
    } catch (err) {
      if (this.state === "starting") this.state = "new"; // e.g. CoreInitError for bad options: stays unstarted
      throw err;
    }
    const spill = this.spill;
    let recovered: SpilledSegment[] = [];
    try {
      recovered = (await spill?.open()) ?? [];
    } catch (err) {
      if (this.state === "starting") this.state = "new"; // e.g. a directory that cannot be made
      throw err;
    }
    if (this.state !== "starting") {
      await spill?.close(); // closed while the core was loading
      return;
    }
    const core = this.core;
    this.uploader = new Uploader({
      store: this.store,
      ring: core,
      credentials: this.ownStore ? this.credentials : undefined,
      concurrency: o.concurrency,
      slots: o.uploadSlots,
      backoff: o.retryBackoff,
      describe: (segment) => this.describe(segment),
      spill: spill && { directory: spill, ringCapacity: core.bufferCapacity, recovered },
      events: {
        uploaded: (info) => this.emit("segment-uploaded", info),
        spilled: (info) => this.emit("segment-spilled", info),
        retry: (info) => this.emit("retry", info),
        dropped: (info) => {
          if (info.reason === "buffer-overflow") this.droppedOverflow++; // (one the core dropped while it uploaded)
          this.emit("segment-dropped", { ...info });
        },
        error: (err) => this.emitError(err),
      },
      ringReleased: () => this.wakeRoomWaiters(),
    });
    this.state = "running";
  }

  /**
   * Muxes one video access unit (Annex B, e.g. AUD/SPS/PPS/IDR together), given as a Uint8Array with its
   * timestamp, or as a frame pack. Returns why the frame was dropped, or undefined if it was taken.
   */
  putVideoFrame(frame: Uint8Array | FramePack, timestampUs?: number, decodeTimestampUs?: number): DropReason | undefined {
    const core = this.running();
    const f = toPack(frame, timestampUs, decodeTimestampUs);
    const reason = core.putVideo(f.parts, f.timestampUs, f.decodeTimestampUs);
    this.afterCoreCall();
    return reason;
  }

  /**
   * Zero-copy input: the core's frame buffer (maxFrameSize bytes, valid until close). A producer that can write
   * a frame into it itself (read() from the encoder device into this view, a native binding) then calls
   * putVideoFrameInPlace / putAudioFrameInPlace with the length, and the frame is copied once, into the ring.
   */
  get frameBuffer(): Uint8Array {
    return this.running().frameBuffer;
  }

  /** Muxes the access unit written at the start of frameBuffer (`length` bytes). */
  putVideoFrameInPlace(length: number, timestampUs: number, decodeTimestampUs?: number): DropReason | undefined {
    const reason = this.running().putVideoInPlace(length, timestampUs, decodeTimestampUs);
    this.afterCoreCall();
    return reason;
  }

  /**
   * Says a video frame never arrived whole (RTP packets lost, a frame too large for the buffer): the open segment
   * ends at its last whole frame and later frames are dropped (counted) until the next IDR, which starts a segment
   * marked as following a gap. Without this, frames that refer to the lost one would be recorded broken.
   */
  videoFrameLost(): void {
    this.running().videoLost();
    this.afterCoreCall();
  }

  /** Muxes the ADTS frame(s) written at the start of frameBuffer (`length` bytes). */
  putAudioFrameInPlace(length: number, timestampUs: number): DropReason | undefined {
    const reason = this.running().putAudioInPlace(length, timestampUs);
    this.afterCoreCall();
    return reason;
  }

  /** Muxes one or more ADTS AAC frames. Returns why they were dropped, or undefined if taken. */
  putAudioFrame(frame: Uint8Array | FramePack, timestampUs?: number): DropReason | undefined {
    const core = this.running();
    const f = toPack(frame, timestampUs);
    const reason = core.putAudio(f.parts, f.timestampUs);
    this.afterCoreCall();
    return reason;
  }

  /**
   * For a source that is not live (a file, a pipe that can wait): resolves once the ring has room for a put of
   * `bytes` (default: the largest frame) and its TS overhead, or at once when waiting cannot free any (no finished
   * segment waits for upload or spill: then the put applies the overflow policy, so this never deadlocks), or when
   * `signal` aborts. Awaited before each put, a file never outruns the uploads and loses nothing to the overflow
   * policy. While the store is down this waits as long as the uploads retry (bound it with `signal`), unless a
   * spill directory takes the segments.
   */
  async whenWritable(options: WhenWritableOptions = {}): Promise<void> {
    const core = this.running();
    const bytes = options.bytes ?? core.maxFrameSize;
    if (!(bytes >= 0 && Number.isFinite(bytes))) throw new RangeError(`whenWritable: bytes must be a number ≥ 0, got ${bytes}`);
    const need = ringBytesFor(bytes);
    const signal = options.signal;
    while (!signal?.aborted && this.mustWaitForRoom(need)) {
      await new Promise<void>((resolve) => {
        // (Every STUCK_WAIT_MS: a spill that failed, or waits out its pause after a disk error, is tried again.)
        const stuck = this.spill ? setInterval(() => this.uploader?.maybeSpill(true), STUCK_WAIT_MS) : undefined;
        const wake = () => {
          clearInterval(stuck);
          this.roomWaiters.delete(wake);
          signal?.removeEventListener("abort", wake);
          resolve();
        };
        this.roomWaiters.add(wake);
        signal?.addEventListener("abort", wake);
      });
    }
  }

  /** The ring lacks room for `need` bytes (or a table entry for the next segment) and uploads can still free some. */
  private mustWaitForRoom(need: number): boolean {
    if (this.state !== "running" || this.uploader!.ringBytesHeld === 0) return false;
    const s = this.core!.stats();
    return s.bufferCapacity - s.bufferUsed < need || s.segmentSlotsFree < 2;
  }

  private wakeRoomWaiters(): void {
    for (const wake of [...this.roomWaiters]) wake();
  }

  // ---- Raw elementary streams (a file or a pipe), timed from the frame rate: what `ipc-hls push` uses ----

  /**
   * Starts reading raw streams: an Annex B H.264 stream at fpsNum/fpsDen frames per second (InvalidOptionError for
   * a rate that is not one), or without a rate at the one its SPS carries (rawStatus().needsRate if none),
   * and ADTS audio.
   */
  startRawStreams(fpsNum?: number, fpsDen = 1): void {
    this.running().raw.rawStart(fpsNum, fpsDen, this.clock());
  }

  /** Feeds the next bytes of the raw H.264 stream (any length; access units may span calls). Returns access units muxed. */
  putRawVideo(bytes: Uint8Array): number {
    const raw = this.running().raw;
    let units = 0;
    for (let at = 0; at < bytes.byteLength; at += RAW_CHUNK_BYTES) {
      units += raw.putRawVideo(bytes.subarray(at, at + RAW_CHUNK_BYTES));
      this.afterCoreCall();
    }
    return units;
  }

  /** The raw H.264 stream ended: its last access unit is complete. Calling it again does nothing. */
  endRawVideo(): void {
    this.running().raw.endRawVideo();
    this.afterCoreCall();
  }

  /** Feeds the next bytes of the raw ADTS stream (frames are taken where the next one's header follows them). */
  putRawAudio(bytes: Uint8Array): void {
    const raw = this.running().raw;
    for (let at = 0; at < bytes.byteLength; at += RAW_CHUNK_BYTES) {
      raw.putRawAudio(bytes.subarray(at, at + RAW_CHUNK_BYTES));
      this.afterCoreCall();
    }
  }

  /** The raw ADTS stream ended: its last frame is complete. */
  endRawAudio(): void {
    this.running().raw.endRawAudio();
    this.afterCoreCall();
  }

  /** What the raw readers found: the frame rate in use and the stream's own, audio frames accepted and refused. */
  rawStatus(): RawStreamStatus {
    return this.running().raw.rawStatus();
  }

  /**
   * Plays the raw inputs again from their start (a clip in a loop) while stream time goes on. The video stream is
   * ended first (its last access unit is muxed), whether endRawVideo was called or not.
   */
  rewindRawStreams(): void {
    this.running().raw.rawRewind();
    this.afterCoreCall();
  }

  /** The raw audio should be fed next: it is at most half a second ahead of the raw video (stream time). */
  rawAudioDue(): boolean {
    return this.running().raw.rawAudioDue();
  }

  /** Stream time (90 kHz ticks) of the next raw video frame and of the next raw audio frame. */
  rawStreamTimes(): { video: number; audio: number } {
    return this.running().raw.rawStreamTimes();
  }

  /**
   * Closes the open segment, waits for the uploads to finish (at most `deadlineMs`, default 30 s; what is
   * still pending then is reported dropped), and returns the final stats (Finalize).
   */
  async close(options: { deadlineMs?: number } = {}): Promise<RecorderStats> {
    const deadlineMs = options.deadlineMs === undefined ? 30_000 : wholeNumber("deadlineMs", Math.round(options.deadlineMs), 0, TIMER_MAX_MS, "ms");
    if (this.state === "closed" || this.state === "closing") throw new Error("close() called twice");
    if (this.state === "running") {
      this.state = "closing";
      this.wakeRoomWaiters(); // (they return: the puts that follow throw NotStartedError)
      this.core!.flush();
      this.afterCoreCall();
      await this.uploader!.drain(deadlineMs);
    }
    this.state = "closed";
    this.ownStore?.close();
    await this.spill?.close();
    return this.stats();
  }

  stats(): RecorderStats {
    const c = this.core?.stats();
    const u = this.uploader?.stats;
    const latencies = [...(u?.recentLatenciesMs ?? [])].sort((a, b) => a - b);
    const failed = u?.segmentsFailed ?? 0;
    return {
      videoFramesIn: c?.videoFramesIn ?? 0,
      audioFramesIn: c?.audioFramesIn ?? 0,
      bytesIn: c?.bytesIn ?? 0,
      videoFramesDropped: c?.videoFramesDropped ?? 0,
      audioFramesDropped: c?.audioFramesDropped ?? 0,
      segmentsMade: c?.segmentsMade ?? 0,
      segmentsUploaded: u?.segmentsUploaded ?? 0,
      segmentsDropped: this.droppedOverflow + failed,
      segmentsDroppedOverflow: this.droppedOverflow,
      segmentsFailed: failed,
      segmentsUncertain: u?.segmentsUncertain ?? 0,
      segmentsSpilled: u?.segmentsSpilled ?? 0,
      segmentsUploadedFromSpill: u?.segmentsUploadedFromSpill ?? 0,
      spillBacklog: this.spill?.count ?? 0,
      spillBytes: this.spill?.bytes ?? 0,
      bytesUploaded: u?.bytesUploaded ?? 0,
      retries: u?.retries ?? 0,
      segmentsPending: this.uploader?.pending ?? 0,
      bufferCapacity: c?.bufferCapacity ?? 0,
      bufferUsed: c?.bufferUsed ?? 0,
      bufferHighWater: c?.bufferHighWater ?? 0,
      uploadLatencyMs: {
        p50: latencies.length ? latencies[Math.floor((latencies.length - 1) / 2)] : 0,
        max: u?.maxLatencyMs ?? 0,
      },
    };
  }

  /** How far uploads lag behind the camera (ms): the age of the oldest segment not uploaded yet. */
  get uploadLagMs(): number {
    return this.uploader?.lagMs ?? 0;
  }

  private running(): MuxerCore {
    if (this.state !== "running") throw new NotStartedError(this.state === "new" || this.state === "starting" ? "call start() first" : "the recorder is closed");
    return this.core!;
  }

  /**
   * After every core call: abort uploads of segments the core just dropped (synchronously, before any more of
   * their bytes can be sent), report the drops, and queue the segments it finished.
   */
  private afterCoreCall(): void {
    const core = this.core!;
    const uploaderReports = this.uploader!.abortDropped(); // (those that were uploading: the store may have them)
    for (const d of core.takeDroppedSegments()) {
      if (uploaderReports.has(d.seq)) continue;
      this.droppedOverflow++;
      const durationMs = Math.round(d.durationUs / 1000);
      const key = segmentKey({ prefix: this.prefix, startMs: d.wallStartMs, durationMs, session: this.session, seq: d.seq, init: this.lastInit });
      this.emit("segment-dropped", { seq: d.seq, reason: "buffer-overflow", key, wallStartMs: d.wallStartMs, durationMs });
    }
    for (let segment = core.takeSegment(); segment; segment = core.takeSegment()) this.uploader!.enqueue(segment);
  }

  private describe(segment: Segment) {
    const durationMs = Math.round(segment.durationUs / 1000);
    const ref: InitRef | undefined = segment.init && { codec: sampleEntryOf(segment.codecs), version: segment.init.version };
    const init = ref && this.initObject(segment, ref);
    const key = segmentKey({
      prefix: this.prefix,
      startMs: segment.wallStartMs,
      durationMs,
      keyframeBytes: segment.keyframeBytes,
      session: this.session,
      seq: segment.seq,
      init: ref,
    });
    const metadata: Record<string, string> = {
      "duration-ms": String(durationMs),
      codecs: segment.codecs,
      container: init ? "fmp4" : "ts",
      width: String(segment.width),
      height: String(segment.height),
      start: new Date(segment.wallStartMs).toISOString(),
    };
    if (segment.discontinuity) metadata.discontinuity = "1";
    const tags = Object.keys(this.tags).length ? this.tags : undefined;
    return { key, init, options: { contentType: init ? "video/iso.segment" : "video/mp2t", metadata, tags } };
  }

  /**
   * The init object an fMP4 segment needs: copied from the core the first time a version shows up (its view is
   * valid only until the core has started two more), with its key and metadata.
   */
  private initObject(segment: Segment, ref: InitRef): InitObject {
    const { version, bytes } = segment.init!;
    this.lastInit = ref;
    let init = this.inits.get(version);
    if (!init) {
      const metadata = { codecs: segment.codecs, container: "fmp4", width: String(segment.width), height: String(segment.height) };
      init = { key: initKey(this.prefix, this.session, ref), bytes: bytes.slice(), options: { contentType: "video/mp4", metadata } };
      this.inits.set(version, init);
      // Segments are described in order: only the latest versions are still asked for.
      for (const old of this.inits.keys()) if (old < version - 1) this.inits.delete(old);
    }
    return init;
  }

  /** 'error' is only emitted to listeners: an EventEmitter without one would throw, and a camera must not crash. */
  private emitError(err: Error): void {
    if (this.listenerCount("error") > 0) this.emit("error", err);
  }
}

function toPack(frame: Uint8Array | FramePack, timestampUs?: number, decodeTimestampUs?: number): FramePack {
  if (frame instanceof Uint8Array) {
    if (timestampUs === undefined) throw new TypeError("a frame given as a Uint8Array needs a timestamp (µs)");
    return { parts: [frame], timestampUs, decodeTimestampUs };
  }
  return frame;
}
