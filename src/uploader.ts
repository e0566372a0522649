// The upload queue: every finished segment goes to the store, retried until a 2xx, and only then is its ring
// space released. Segments are whole views into the core's memory, so two rules keep every upload intact:
//  - a segment the core dropped (drop-oldest overflow) is aborted by abortDropped(), which the SDK calls
//    synchronously after every core call, before the event loop can write another byte of it;
//  - an aborted S3 PUT never creates an object (S3 stores nothing without the full Content-Length), so a
//    partial segment is never uploaded.
// An upload cut off (by a core drop or the close deadline) once its request went out may have landed, so the
// store is asked (a HEAD) before it is counted: uploaded, lost, or "uncertain" when the store cannot say.
// With a spill directory the ring's oldest waiting segment moves to local storage when too many wait (src/spill-queue.ts),
// and is uploaded from there later, after the live ones; the ring space is released once the copy is on disk.
import type { Segment } from "./core-types.js";
import type { ObjectStore, PutOptions } from "./store/types.js";
import type { CredentialSource } from "./credentials.js";
import { backoffDelay, classifyError, decide, sleep, DEFAULT_BACKOFF, type BackoffOptions } from "./retry.js";
import type { SpillDirectory, SpilledSegment } from "./spill.js";
import { SpillQueue } from "./spill-queue.js";
import type { InitObject, RingJob, UploadJob as Job } from "./upload-job.js";
import { S3UnexpectedAnswerError } from "./s3/errors.js";
import type { UploadSlots } from "./upload-slots.js";

/** The part of the core the uploader needs (MuxerCore implements it). */
export interface SegmentRing {
  /** The store acknowledged the segment: free its ring space. */
  release(id: number): void;
  /** False once the core dropped the segment (its memory may be reused). */
  isLive(id: number): boolean;
}

export interface UploadedInfo {
  key: string;
  seq: number;
  bytes: number;
  /** Media duration of the segment (ms). */
  durationMs: number;
  /** From the segment being finished to the store's 2xx (ms), retries included. */
  latencyMs: number;
  attempts: number;
  /** Uploaded from the spill directory (it waited on local storage). */
  fromSpill?: boolean;
}

export interface SpilledInfo {
  key: string;
  seq: number;
  bytes: number;
}

export interface RetryInfo {
  key: string;
  seq: number;
  /** The attempt that failed, 1-based. */
  attempt: number;
  /** Wait before the next attempt (ms); -1 while waiting for new credentials. */
  delayMs: number;
  error: Error;
}

/** "buffer-overflow": the core dropped it while uploading; "uncertain": cut off once sent, and the store could not say whether it has it. */
export type UploadDropReason = "upload-failed" | "close-deadline" | "spill-full" | "buffer-overflow" | "uncertain";

export interface UploadDroppedInfo {
  seq: number;
  key: string;
  reason: UploadDropReason;
  bytes: number;
  error?: Error;
}

export interface UploaderEvents {
  uploaded(info: UploadedInfo): void;
  retry(info: RetryInfo): void;
  dropped(info: UploadDroppedInfo): void;
  /** A segment moved from the ring to the spill directory (it is uploaded from there later). */
  spilled?(info: SpilledInfo): void;
  error(err: Error): void;
}

export interface UploaderOptions {
  store: ObjectStore;
  ring: SegmentRing;
  events: UploaderEvents;
  /** Uploads in flight at once. Default 2. */
  concurrency?: number;
  /** A limit shared with other uploaders (other cameras): each request holds one of its slots while it runs. */
  slots?: UploadSlots;
  /** Credentials of the store, if it uses any: auth failures wait for newer ones. */
  credentials?: CredentialSource;
  backoff?: BackoffOptions;
  /** Give up on a segment whose body the store keeps refusing as corrupted after this many attempts. Default 3. */
  maxIntegrityAttempts?: number;
  /** Object key and put options (metadata, tags) of a segment, and the init segment it needs (fMP4). */
  describe(segment: Segment): { key: string; options: PutOptions; init?: InitObject };
  /** Monotonic ms clock for latencies. Default performance.now. */
  now?: () => number;
  /**
   * Store and forward: segments move from the ring to this directory once those waiting fill more than its
   * `ringFraction` of `ringCapacity` bytes, and at close instead of being given up; they are uploaded from there
   * (oldest first, after the live ones). `recovered`: entries a previous run left.
   */
  spill?: { directory: SpillDirectory; ringCapacity: number; recovered: SpilledSegment[] };
  /** A segment gave its ring space back (uploaded, spilled, given up, dropped): a feeder waiting for room looks again. */
  ringReleased?: () => void;
}

export interface UploaderStats {
  segmentsUploaded: number;
  /** Segments moved from the ring to the spill directory, and those of them (or of an earlier run) uploaded since. */
  segmentsSpilled: number;
  segmentsUploadedFromSpill: number;
  segmentsFailed: number;
  /** Segments cut off once sent that the store could not be asked about (HEAD failed). */
  segmentsUncertain: number;
  bytesUploaded: number;
  retries: number;
  /** Upload latencies of the last 1000 segments (ms), for p50/max. */
  recentLatenciesMs: number[];
  maxLatencyMs: number;
}

const LATENCY_WINDOW = 1000;
/** How long the store may take to say whether a cut-off upload landed (all HEAD attempts together). */
const CONFIRM_TIMEOUT_MS = 10_000;
const CONFIRM_ATTEMPTS = 3;
const CONFIRM_DELAY_MS = 1000;
/** An init segment is put again after this long (ms) when a segment still needs it (retention rules expire by age). */
export const INIT_REFRESH_MS = 6 * 3600_000;

export class Uploader {
  private readonly queue: RingJob[] = [];
  /** Store and forward, when a spill directory is given. */
  private readonly spill?: SpillQueue;
  private readonly inFlight = new Set<Job>();
  /** Cut-off uploads whose store is being asked (HEAD) whether it has them. */
  private readonly confirming = new Set<Promise<void>>();
  /** Init segments the store acknowledged (when, on this.now()), and puts of them under way (shared by the segments that need them). */
  private readonly initsStored = new Map<string, number>();
  private readonly initsPutting = new Map<string, Promise<void>>();
  /** Bytes of ring segments queued or uploading (the ring space the uploader holds). */
  private ringBytesWaiting = 0;
  /** close() ran out of time: no new uploads or spills start. */
  private closing = false;
  private readonly concurrency: number;
  private readonly now: () => number;
  private idleWaiters: (() => void)[] = [];
  readonly stats: UploaderStats = {
    segmentsUploaded: 0,
    segmentsSpilled: 0,
    segmentsUploadedFromSpill: 0,
    segmentsFailed: 0,
    segmentsUncertain: 0,
    bytesUploaded: 0,
    retries: 0,
    recentLatenciesMs: [],
    maxLatencyMs: 0,
  };

  constructor(private readonly opts: UploaderOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.now = opts.now ?? (() => performance.now());
    if (opts.spill) {
      this.spill = new SpillQueue(opts.spill.directory, opts.spill.ringCapacity, opts.spill.recovered, {
        ringJobs: () => [...this.inFlight, ...this.queue].filter((job): job is RingJob => job.kind === "ring"),
        inRing: (job) => job.holdsRing && opts.ring.isLive(job.segment.id),
        moved: (job) => this.moved(job),
        evicted: (entry) => this.evicted(entry),
        ready: () => this.pump(),
        error: (err) => this.emitError(err),
        now: this.now,
      });
    }
    this.pump(); // what a previous run spilled starts uploading now
  }

  /** Segments queued or uploading, spilled ones included. */
  get pending(): number {
    return this.queue.length + this.inFlight.size + (this.spill?.waiting.length ?? 0) + this.confirming.size;
  }

  /** Bytes of ring space held by segments waiting for upload or spill: what the uploads can still free. */
  get ringBytesHeld(): number {
    return this.ringBytesWaiting;
  }

  /** Oldest pending segment's age (ms): how far uploads lag behind the camera. */
  get lagMs(): number {
    let oldest = Infinity;
    for (const job of [...this.inFlight, ...this.queue, ...(this.spill?.waiting ?? [])]) oldest = Math.min(oldest, job.queuedAt);
    return oldest === Infinity ? 0 : this.now() - oldest;
  }

  enqueue(segment: Segment): void {
    const { key, options, init } = this.opts.describe(segment);
    const durationMs = segment.durationUs / 1000;
    this.queue.push({ kind: "ring", segment, key, init, seq: segment.seq, bytes: segment.byteLength, durationMs, options, queuedAt: this.now(), abort: new AbortController(), holdsRing: true });
    this.ringBytesWaiting += segment.byteLength;
    this.pump();
    this.maybeSpill();
  }

  /** The ring space a job holds is given back (uploaded, spilled, given up or dropped). */
  private releaseRing(job: RingJob, release: boolean): void {
    if (!job.holdsRing) return;
    job.holdsRing = false;
    this.ringBytesWaiting -= job.bytes;
    if (release) this.opts.ring.release(job.segment.id);
    this.opts.ringReleased?.();
  }

  /**
   * Aborts the uploads of segments the core has dropped. Must be called synchronously after every core call
   * that may drop (putVideo, putAudio, flush): aborting destroys the socket before any more bytes are written.
   * Returns the seqs of those that were uploading: the uploader reports them (the store may have them), the
   * caller reports the core's other drops.
   */
  abortDropped(): Set<number> {
    const reportedHere = new Set<number>();
    const dropped = (job: Job): job is RingJob => job.kind === "ring" && job.holdsRing && !this.opts.ring.isLive(job.segment.id);
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const job = this.queue[i]!;
      if (dropped(job)) {
        this.releaseRing(job, false);
        this.queue.splice(i, 1);
      }
    }
    for (const job of this.inFlight) {
      if (!job.abortedFor && dropped(job)) {
        job.abortedFor = "core-drop";
        job.reportAs = "buffer-overflow";
        reportedHere.add(job.seq);
        job.abort.abort();
        this.releaseRing(job, false);
      }
    }
    this.notifyIfIdle();
    return reportedHere;
  }

  /**
   * Waits until every queued segment is uploaded, or until `deadlineMs` from now. Then, with a spill directory,
   * segments still in the ring are written there (uploaded by the next run) and spilled ones stay; without one,
   * what is left is aborted and reported dropped ("close-deadline"). Resolves to the number of segments given up.
   */
  async drain(deadlineMs: number): Promise<number> {
    if (this.pending === 0) return 0;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadlineMs))));
    const outcome = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (outcome !== "timeout") return 0;
    this.closing = true;
    const holdingRing = () => [...this.inFlight, ...this.queue].filter((j): j is RingJob => j.kind === "ring" && j.holdsRing);
    if (this.spill) {
      await this.spill.running;
      // Oldest first, one at a time: each is on disk before its upload is aborted and its ring space released.
      for (const job of holdingRing().sort((a, b) => a.seq - b.seq)) await this.spill.spill(job);
    }
    const left = holdingRing();
    const spilledLeft = [...this.inFlight].filter((j) => j.kind === "spilled");
    this.queue.length = 0;
    for (const job of spilledLeft) {
      job.abortedFor = "close-deadline"; // (stays in the spill directory for the next run)
      job.abort.abort();
    }
    for (const job of left) {
      job.abortedFor = "close-deadline";
      // One that is uploading may have landed: run() asks the store before reporting it.
      if (this.inFlight.has(job)) job.reportAs = "close-deadline";
      job.abort.abort();
      this.releaseRing(job, false);
      if (!job.reportAs) this.reportLost(job, "close-deadline");
    }
    // Aborted uploads settle soon (their sockets are destroyed, a HEAD is bounded); wait so nothing runs after close.
    await Promise.all([...left, ...spilledLeft].map((job) => job.done));
    await Promise.all(this.confirming);
    return left.length;
  }

  private pump(): void {
    if (this.closing) return;
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) this.start(this.queue.shift()!);
    // Spilled segments go after the live ones, one at a time, so the ring keeps draining first.
    if (this.inFlight.size < this.concurrency && this.queue.length === 0 && ![...this.inFlight].some((j) => j.kind === "spilled")) {
      const next = this.spill?.next();
      if (next) this.start(next);
    }
  }

  private start(job: Job): void {
    this.inFlight.add(job);
    job.done = this.run(job).finally(() => {
      this.inFlight.delete(job);
      this.pump();
      this.notifyIfIdle();
    });
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  // ---- Store and forward (src/spill-queue.ts) ----

  /**
   * Asks the spill queue to move the oldest ring segment to disk if those waiting hold too much of the ring; after
   * each segment is queued and after each spill. `roomWanted`: a feeder waits for room, so the oldest moves anyway.
   */
  maybeSpill(roomWanted = false): void {
    if (!this.spill || this.closing) return;
    void this.spill.maybeSpill(this.ringBytesWaiting, roomWanted)?.then(() => this.maybeSpill());
  }

  /** A ring job's segment is on disk: its upload from the ring stops and the ring space goes back. */
  private moved(job: RingJob): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    if (this.inFlight.has(job)) {
      job.abortedFor = "spilled";
      job.abort.abort();
    }
    this.releaseRing(job, true);
    this.stats.segmentsSpilled++;
    this.opts.events.spilled?.({ key: job.key, seq: job.seq, bytes: job.bytes });
  }

  /** A spilled segment pushed out of the full directory: lost. */
  private evicted(entry: SpilledSegment): void {
    for (const job of this.inFlight) {
      if (job.kind === "spilled" && job.spilled === entry) {
        job.abortedFor = "spill-full";
        job.abort.abort();
      }
    }
    this.stats.segmentsFailed++;
    this.opts.events.dropped({ seq: entry.seq, key: entry.key, reason: "spill-full", bytes: entry.bytes });
  }

  /** Uploads one segment until a 2xx, a drop, or a failure retrying cannot fix. */
  private async run(job: Job): Promise<void> {
    const signal = job.abort.signal;
    const credentials = this.opts.credentials;
    let body: readonly Uint8Array[];
    if (job.kind === "spilled") {
      try {
        body = [await job.directory.read(job.spilled)];
      } catch (err) {
        if (signal.aborted) return; // (pushed out of a full spill directory: reported there)
        // The file is gone or unreadable: nothing left to upload.
        await job.directory.remove(job.spilled);
        this.emitError(err instanceof Error ? err : new Error(String(err)));
        this.reportLost(job, "upload-failed", err instanceof Error ? err : undefined);
        return;
      }
    } else body = job.segment.parts;
    let attempt = 0;
    let skewRetried = false;
    let integrityFailures = 0;
    for (;;) {
      if (signal.aborted) return this.settleAborted(job, attempt);
      // Dropped by the core while we waited (the SDK reports it), or moved to the spill directory.
      if (job.kind === "ring" && !job.holdsRing) return;
      if (job.kind === "ring" && !this.opts.ring.isLive(job.segment.id)) {
        this.releaseRing(job, false);
        return;
      }
      attempt++;
      const generation = credentials?.generation ?? 0;
      let segmentSent = false;
      try {
        // (Without shared slots no await here: the put starts in the same tick, as before.)
        const release = this.opts.slots ? await this.opts.slots.acquire(signal) : undefined;
        try {
          // fMP4: the init segment first, under the same retry rules (its failure is this attempt's failure).
          if (job.init && !this.initStoredRecently(job.init.key)) await this.storeInit(job.init, signal);
          segmentSent = true;
          await this.opts.store.put(job.key, body, { ...job.options, signal });
        } finally {
          release?.();
        }
      } catch (err) {
        if (segmentSent && (err as { sent?: unknown })?.sent === true) job.mayHaveLanded = true;
        if (signal.aborted) return this.settleAborted(job, attempt);
        const error = err instanceof Error ? err : new Error(String(err));
        let decision = decide(error, skewRetried);
        if (classifyError(error) === "integrity" && ++integrityFailures >= (this.opts.maxIntegrityAttempts ?? 3)) decision = "give-up";
        // A 2xx that did not come from S3 (captive portal, proxy) is worth telling whoever watches the camera.
        if (error instanceof S3UnexpectedAnswerError) this.emitError(error);
        if (decision === "give-up") {
          this.emitError(error);
          await this.giveUp(job, error);
          return;
        }
        this.stats.retries++;
        try {
          if (decision === "retry-now") {
            skewRetried = true;
            this.opts.events.retry({ key: job.key, seq: job.seq, attempt, delayMs: 0, error });
          } else if (decision === "retry") {
            const delayMs = backoffDelay(attempt - 1, this.opts.backoff ?? DEFAULT_BACKOFF);
            this.opts.events.retry({ key: job.key, seq: job.seq, attempt, delayMs, error });
            await sleep(delayMs, signal);
          } else {
            // Credentials refused: keep the segment and wait for new ones (setCredentials or a provider refresh).
            this.emitError(error);
            this.opts.events.retry({ key: job.key, seq: job.seq, attempt, delayMs: -1, error });
            if (!credentials) throw error;
            if (credentials.hasProvider) await sleep(backoffDelay(attempt - 1, this.opts.backoff ?? DEFAULT_BACKOFF), signal);
            await credentials.waitForNewer(generation, signal);
          }
        } catch {
          if (signal.aborted) return this.settleAborted(job, attempt);
          // No credential source to wait on: nothing will change, so the segment is lost.
          await this.giveUp(job, error);
          return;
        }
        continue;
      }
      // 2xx: the store has the whole segment. (Aborted anyway: it was spilled meanwhile and goes again from there.)
      if (signal.aborted && !job.reportAs) return;
      if (job.kind === "ring") this.releaseRing(job, true); // (a no-op when the core dropped it meanwhile)
      else await job.directory.remove(job.spilled);
      this.recordUploaded(job, attempt);
      return;
    }
  }

  /**
   * Puts an init segment once: segments needing it at the same time share the put, and one that fails is tried
   * again by the next attempt of any of them. A segment aborted meanwhile stops waiting (the put goes on, bounded
   * by the request deadlines).
   */
  private storeInit(init: InitObject, signal: AbortSignal): Promise<void> {
    let putting = this.initsPutting.get(init.key);
    if (!putting) {
      putting = this.opts.store
        .put(init.key, [init.bytes], { ...init.options })
        .then(() => void this.initsStored.set(init.key, this.now()))
        .finally(() => this.initsPutting.delete(init.key));
      this.initsPutting.set(init.key, putting);
    }
    return new Promise<void>((resolve, reject) => {
      const stop = () => reject(signal.reason);
      if (signal.aborted) return stop();
      signal.addEventListener("abort", stop, { once: true });
      putting.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
    });
  }

  /**
   * Stored within INIT_REFRESH_MS. A session lasts as long as the camera runs, longer than a bucket's retention
   * rule may keep an object: put again now and then, the init object stays younger than the segments needing it.
   */
  private initStoredRecently(key: string): boolean {
    const at = this.initsStored.get(key);
    return at !== undefined && this.now() - at < INIT_REFRESH_MS;
  }

  private recordUploaded(job: Job, attempts: number): void {
    const latencyMs = this.now() - job.queuedAt;
    if (job.kind === "spilled") this.stats.segmentsUploadedFromSpill++;
    this.stats.segmentsUploaded++;
    this.stats.bytesUploaded += job.bytes;
    this.stats.recentLatenciesMs.push(latencyMs);
    if (this.stats.recentLatenciesMs.length > LATENCY_WINDOW) this.stats.recentLatenciesMs.shift();
    this.stats.maxLatencyMs = Math.max(this.stats.maxLatencyMs, latencyMs);
    this.opts.events.uploaded({
      key: job.key,
      seq: job.seq,
      bytes: job.bytes,
      durationMs: job.durationMs,
      latencyMs,
      attempts,
      ...(job.kind === "spilled" ? { fromSpill: true } : {}),
    });
  }

  /**
   * An upload stopped by its abort. Moved to the spill directory, or pushed out of it: reported elsewhere. Cut
   * off by a core drop or the close deadline: lost, unless an attempt went out on a connection; then the store is
   * asked whether it has the object, and it counts as uploaded, lost, or uncertain by the answer.
   */
  private settleAborted(job: Job, attempts: number): void {
    const reason = job.reportAs;
    if (!reason) return;
    if (!job.mayHaveLanded) return this.reportLost(job, reason);
    // The HEAD runs beside the uploads (it holds no upload slot); pending and drain() count it.
    const confirmation = this.confirmAndReport(job, reason, attempts).finally(() => {
      this.confirming.delete(confirmation);
      this.notifyIfIdle();
    });
    this.confirming.add(confirmation);
  }

  private async confirmAndReport(job: Job, reason: "buffer-overflow" | "close-deadline", attempts: number): Promise<void> {
    // A store that got the whole body may still be committing it when the connection goes: give it a moment.
    await sleep(CONFIRM_DELAY_MS);
    const stored = await this.confirmStored(job);
    if (stored === true) this.recordUploaded(job, attempts);
    else if (stored === false) this.reportLost(job, reason);
    else {
      this.stats.segmentsUncertain++;
      this.opts.events.dropped({ seq: job.seq, key: job.key, reason: "uncertain", bytes: job.bytes, error: stored });
    }
  }

  /** Whether the store holds the job's object whole (a HEAD, retried briefly), or the error that kept it from saying. */
  private async confirmStored(job: Job): Promise<boolean | Error> {
    const head = this.opts.store.head?.bind(this.opts.store);
    if (!head) return new Error(`${this.opts.store.description} cannot be asked whether it has ${job.key}`);
    const signal = AbortSignal.timeout(CONFIRM_TIMEOUT_MS);
    let lastError: Error = new Error("no answer");
    for (let attempt = 0; attempt < CONFIRM_ATTEMPTS; attempt++) {
      try {
        const found = await head(job.key, signal);
        if (found === undefined) return false;
        // (Keys are unique per session and sequence number: an object of another size is not ours to count.)
        return found.size === job.bytes || new Error(`${job.key} is in the store with ${found.size} bytes, not ${job.bytes}`);
      } catch (err) {
        lastError = err instanceof Error ? err : new Error(String(err));
        if (signal.aborted || classifyError(err) !== "transient") break;
        try {
          await sleep(backoffDelay(attempt, this.opts.backoff ?? DEFAULT_BACKOFF), signal);
        } catch {
          break;
        }
      }
    }
    return lastError;
  }

  /** A failure retrying cannot fix: the segment is lost (its ring space or its spill file is freed). */
  private async giveUp(job: Job, error: Error): Promise<void> {
    if (job.kind === "spilled") await job.directory.remove(job.spilled);
    else this.releaseRing(job, true);
    this.reportLost(job, "upload-failed", error);
  }

  private reportLost(job: Job, reason: UploadDropReason, error?: Error): void {
    if (reason !== "buffer-overflow") this.stats.segmentsFailed++; // (overflow drops are the recorder's count)
    this.opts.events.dropped({ seq: job.seq, key: job.key, reason, bytes: job.bytes, error });
  }

  private emitError(error: Error): void {
    this.opts.events.error(error);
  }
}
