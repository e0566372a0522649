// Store and forward, the uploader's side of it: when the ring segments waiting for upload hold too much of the
// ring, the oldest moves to the spill directory (src/spill.ts) and its ring space is released; spilled segments
// wait here (oldest first) for the uploader to take them after the live ones. A full directory pushes out its
// oldest entries (reported as "spill-full" drops); a failing disk pauses spilling, doubling the pause each time.
import type { SpillDirectory, SpilledSegment, SpillEntryInfo } from "./spill.js";
import type { PutOptions } from "./store/types.js";
import type { RingJob, SpilledJob } from "./upload-job.js";

/** After a spill write failed (disk full, card removed), wait this long before spilling again, doubling up to the cap. */
const SPILL_PAUSE_MS = 10_000;
const SPILL_PAUSE_MAX_MS = 80_000;

/** What the spill queue needs from the uploader. */
export interface SpillQueueHost {
  /** Ring jobs queued or uploading. */
  ringJobs(): RingJob[];
  /** Whether the job's segment is still in the ring (not uploaded, given up, or dropped by the core). */
  inRing(job: RingJob): boolean;
  /** The job's segment is on disk: stop its upload from the ring and give the ring space back. */
  moved(job: RingJob): void;
  /** A spilled segment was pushed out of the full directory: stop its upload if one runs, report it dropped. */
  evicted(entry: SpilledSegment): void;
  /** A spilled job is ready to upload. */
  ready(): void;
  error(err: Error): void;
  now(): number;
}

export class SpillQueue {
  /** Spilled segments waiting for upload, oldest first. */
  private readonly backlog: SpilledJob[] = [];
  private writing?: Promise<void>;
  /** After a failed spill write, no new spill before this time (host clock, ms); failures in a row. */
  private pausedUntil = 0;
  private failures = 0;

  constructor(
    readonly directory: SpillDirectory,
    private readonly ringCapacity: number,
    recovered: readonly SpilledSegment[],
    private readonly host: SpillQueueHost,
  ) {
    for (const entry of recovered) this.backlog.push(this.jobFor(entry, host.now()));
  }

  get waiting(): readonly SpilledJob[] {
    return this.backlog;
  }

  /** The spill write in progress, if any. */
  get running(): Promise<void> | undefined {
    return this.writing;
  }

  /** The oldest spilled segment, taken out of the queue for upload. */
  next(): SpilledJob | undefined {
    return this.backlog.shift();
  }

  /**
   * Moves the oldest ring segment waiting for upload here when those waiting hold more than the directory's share
   * of the ring (the oldest, even if it is uploading: the ring frees space in order only). `roomWanted`: a feeder
   * waits for room the uploads have not freed for a while, so the oldest moves whatever its share. Returns the
   * write it started (it never rejects), after which the caller looks again.
   */
  maybeSpill(ringBytesWaiting: number, roomWanted: boolean): Promise<void> | undefined {
    if (this.writing || this.host.now() < this.pausedUntil) return;
    if (!roomWanted && ringBytesWaiting <= this.ringCapacity * this.directory.ringFraction) return;
    let chosen: RingJob | undefined;
    for (const job of this.host.ringJobs()) if (job.holdsRing && (!chosen || job.seq < chosen.seq)) chosen = job;
    if (!chosen) return;
    this.writing = this.spill(chosen).finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  /** Writes a ring job's segment to the directory; once it is there, the job leaves the ring for the backlog. */
  async spill(job: RingJob): Promise<void> {
    const segment = job.segment;
    try {
      const stored = (o: PutOptions) => ({ contentType: o.contentType, metadata: o.metadata, tags: o.tags });
      const info: SpillEntryInfo = { key: job.key, seq: job.seq, wallStartMs: segment.wallStartMs, durationMs: job.durationMs, options: stored(job.options) };
      if (job.init) info.init = { key: job.init.key, base64: Buffer.from(job.init.bytes).toString("base64"), options: stored(job.init.options) };
      const entry = await this.directory.write(info, segment.parts, () => this.host.inRing(job));
      if (!entry) return; // uploaded meanwhile, or dropped by the core (the SDK reports that)
      if (!job.holdsRing) {
        // Uploaded (or dropped) while the entry was being committed: the disk copy is not needed.
        await this.directory.remove(entry);
        return;
      }
      // On disk: stop the upload from the ring and give the space back (nothing below awaits).
      this.host.moved(job);
      this.failures = 0;
      this.backlog.push(this.jobFor(entry, job.queuedAt));
      this.backlog.sort((a, b) => (a.spilled.name < b.spilled.name ? -1 : 1));
      // Over the size limit: the oldest spilled segments go (an upload of one is stopped), reported as dropped.
      const evicted = this.directory.overLimit(entry);
      for (const old of evicted) {
        const i = this.backlog.findIndex((j) => j.spilled === old);
        if (i >= 0) this.backlog.splice(i, 1);
        this.host.evicted(old);
      }
      this.host.ready();
      await Promise.all(evicted.map((old) => this.directory.remove(old)));
    } catch (err) {
      // The disk failed (full, read-only, removed): keep the segment in the ring and try again in a while.
      this.pausedUntil = this.host.now() + Math.min(SPILL_PAUSE_MAX_MS, SPILL_PAUSE_MS * 2 ** this.failures++);
      this.host.error(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private jobFor(entry: SpilledSegment, queuedAt: number): SpilledJob {
    const { key, seq, bytes, durationMs, options } = entry;
    const init = entry.init && { key: entry.init.key, bytes: Buffer.from(entry.init.base64, "base64"), options: { ...entry.init.options } };
    return { kind: "spilled", spilled: entry, directory: this.directory, key, init, seq, bytes, durationMs, options: { ...options }, queuedAt, abort: new AbortController() };
  }
}
