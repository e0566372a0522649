// The upload queue: every finished segment goes to the store, retried until a 2xx, and only then is its ring
// space released. Segments are whole views into the core's memory, so two rules keep every upload intact:
//  - a segment the core dropped (drop-oldest overflow) is aborted by abortDropped(), which the SDK calls
//    synchronously after every core call, before the event loop can write another byte of it;
//  - an aborted S3 PUT never creates an object (S3 stores nothing without the full Content-Length), so a
//    partial segment is never uploaded.
import type { Segment } from "./core-types.js";
import type { ObjectStore, PutOptions } from "./store/types.js";
import type { CredentialSource } from "./credentials.js";
import { backoffDelay, classifyError, decide, sleep, DEFAULT_BACKOFF, type BackoffOptions } from "./retry.js";

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

export type UploadDropReason = "upload-failed" | "close-deadline";

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
  error(err: Error): void;
}

export interface UploaderOptions {
  store: ObjectStore;
  ring: SegmentRing;
  events: UploaderEvents;
  /** Uploads in flight at once. Default 2. */
  concurrency?: number;
  /** Credentials of the store, if it uses any: auth failures wait for newer ones. */
  credentials?: CredentialSource;
  backoff?: BackoffOptions;
  /** Give up on a segment whose body the store keeps refusing as corrupted after this many attempts. Default 3. */
  maxIntegrityAttempts?: number;
  /** Object key and put options (metadata, tags) of a segment. */
  describe(segment: Segment): { key: string; options: PutOptions };
  /** Monotonic ms clock for latencies. Default performance.now. */
  now?: () => number;
}

interface Job {
  segment: Segment;
  key: string;
  options: PutOptions;
  queuedAt: number;
  abort: AbortController;
  /** Settles when run() is done with the job. */
  done?: Promise<void>;
  /** Why it was aborted: the core dropped it (the SDK reports that drop) or close() ran out of time. */
  abortedFor?: "core-drop" | "close-deadline";
}

export interface UploaderStats {
  segmentsUploaded: number;
  segmentsFailed: number;
  bytesUploaded: number;
  retries: number;
  /** Upload latencies of the last 1000 segments (ms), for p50/max. */
  recentLatenciesMs: number[];
  maxLatencyMs: number;
}

const LATENCY_WINDOW = 1000;

export class Uploader {
  private readonly queue: Job[] = [];
  private readonly inFlight = new Set<Job>();
  private readonly concurrency: number;
  private readonly now: () => number;
  private idleWaiters: (() => void)[] = [];
  readonly stats: UploaderStats = {
    segmentsUploaded: 0,
    segmentsFailed: 0,
    bytesUploaded: 0,
    retries: 0,
    recentLatenciesMs: [],
    maxLatencyMs: 0,
  };

  constructor(private readonly opts: UploaderOptions) {
    this.concurrency = Math.max(1, opts.concurrency ?? 2);
    this.now = opts.now ?? (() => performance.now());
  }

  /** Segments queued or uploading. */
  get pending(): number {
    return this.queue.length + this.inFlight.size;
  }

  /** Oldest pending segment's age (ms): how far uploads lag behind the camera. */
  get lagMs(): number {
    let oldest = Infinity;
    for (const job of [...this.inFlight, ...this.queue]) oldest = Math.min(oldest, job.queuedAt);
    return oldest === Infinity ? 0 : this.now() - oldest;
  }

  enqueue(segment: Segment): void {
    const { key, options } = this.opts.describe(segment);
    this.queue.push({ segment, key, options, queuedAt: this.now(), abort: new AbortController() });
    this.pump();
  }

  /**
   * Aborts the uploads of segments the core has dropped. Must be called synchronously after every core call
   * that may drop (putVideo, putAudio, flush): aborting destroys the socket before any more bytes are written.
   */
  abortDropped(): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      if (!this.opts.ring.isLive(this.queue[i].segment.id)) this.queue.splice(i, 1);
    }
    for (const job of this.inFlight) {
      if (!job.abortedFor && !this.opts.ring.isLive(job.segment.id)) {
        job.abortedFor = "core-drop";
        job.abort.abort();
      }
    }
    this.notifyIfIdle();
  }

  /**
   * Waits until every queued segment is uploaded, or until `deadlineMs` from now; then aborts what is left and
   * reports each as dropped ("close-deadline"). Resolves to the number of segments given up.
   */
  async drain(deadlineMs: number): Promise<number> {
    if (this.pending === 0) return 0;
    const idle = new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), Math.max(0, deadlineMs))));
    const outcome = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    if (outcome !== "timeout") return 0;
    const left = [...this.inFlight, ...this.queue];
    this.queue.length = 0;
    for (const job of left) {
      job.abortedFor = "close-deadline";
      job.abort.abort();
      this.reportLost(job, "close-deadline");
    }
    // Aborted uploads settle at once (their sockets are destroyed); wait for that so nothing runs after close.
    await Promise.all(left.map((job) => job.done));
    return left.length;
  }

  private pump(): void {
    while (this.inFlight.size < this.concurrency && this.queue.length > 0) {
      const job = this.queue.shift()!;
      this.inFlight.add(job);
      job.done = this.run(job).finally(() => {
        this.inFlight.delete(job);
        this.pump();
        this.notifyIfIdle();
      });
    }
  }

  private notifyIfIdle(): void {
    if (this.pending > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  /** Uploads one segment until a 2xx, a drop, or a failure retrying cannot fix. */
  private async run(job: Job): Promise<void> {
    const { segment } = job;
    const signal = job.abort.signal;
    const credentials = this.opts.credentials;
    let attempt = 0;
    let skewRetried = false;
    let integrityFailures = 0;
    for (;;) {
      if (signal.aborted) return;
      if (!this.opts.ring.isLive(segment.id)) return; // dropped by the core while we waited: the SDK reports it
      attempt++;
      const generation = credentials?.generation ?? 0;
      try {
        await this.opts.store.put(job.key, segment.parts, { ...job.options, signal });
      } catch (err) {
        if (signal.aborted) return;
        const error = err instanceof Error ? err : new Error(String(err));
        let decision = decide(error, skewRetried);
        if (classifyError(error) === "integrity" && ++integrityFailures >= (this.opts.maxIntegrityAttempts ?? 3)) decision = "give-up";
        if (decision === "give-up") {
          this.emitError(error);
          this.opts.ring.release(segment.id);
          this.reportLost(job, "upload-failed", error);
          return;
        }
        this.stats.retries++;
        try {
          if (decision === "retry-now") {
            skewRetried = true;
            this.opts.events.retry({ key: job.key, seq: segment.seq, attempt, delayMs: 0, error });
          } else if (decision === "retry") {
            const delayMs = backoffDelay(attempt - 1, this.opts.backoff ?? DEFAULT_BACKOFF);
            this.opts.events.retry({ key: job.key, seq: segment.seq, attempt, delayMs, error });
            await sleep(delayMs, signal);
          } else {
            // Credentials refused: keep the segment and wait for new ones (setCredentials or a provider refresh).
            this.emitError(error);
            this.opts.events.retry({ key: job.key, seq: segment.seq, attempt, delayMs: -1, error });
            if (!credentials) throw error;
            if (credentials.hasProvider) await sleep(backoffDelay(attempt - 1, this.opts.backoff ?? DEFAULT_BACKOFF), signal);
            await credentials.waitForNewer(generation, signal);
          }
        } catch {
          if (signal.aborted) return;
          // No credential source to wait on: nothing will change, so the segment is lost.
          this.opts.ring.release(segment.id);
          this.reportLost(job, "upload-failed", error);
          return;
        }
        continue;
      }
      // 2xx: the store has the whole segment.
      if (signal.aborted) return;
      const latencyMs = this.now() - job.queuedAt;
      this.opts.ring.release(segment.id);
      this.stats.segmentsUploaded++;
      this.stats.bytesUploaded += segment.byteLength;
      this.stats.recentLatenciesMs.push(latencyMs);
      if (this.stats.recentLatenciesMs.length > LATENCY_WINDOW) this.stats.recentLatenciesMs.shift();
      this.stats.maxLatencyMs = Math.max(this.stats.maxLatencyMs, latencyMs);
      this.opts.events.uploaded({
        key: job.key,
        seq: segment.seq,
        bytes: segment.byteLength,
        durationMs: segment.durationUs / 1000,
        latencyMs,
        attempts: attempt,
      });
      return;
    }
  }

  private reportLost(job: Job, reason: UploadDropReason, error?: Error): void {
    this.stats.segmentsFailed++;
    this.opts.events.dropped({ seq: job.segment.seq, key: job.key, reason, bytes: job.segment.byteLength, error });
  }

  private emitError(error: Error): void {
    this.opts.events.error(error);
  }
}
