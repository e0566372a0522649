// What the uploader works on: a segment still in the core's ring, or one waiting in the spill directory.
import type { Segment } from "./core-types.js";
import type { SpillDirectory, SpilledSegment } from "./spill.js";
import type { PutOptions } from "./store/types.js";

/** An fMP4 segment's init segment: stored (once per key) before the segment's own upload may count. */
export interface InitObject {
  key: string;
  /** A copy: the core's own init areas are reused. */
  bytes: Uint8Array;
  options: PutOptions;
}

interface JobBase {
  key: string;
  /** fMP4: the init segment it needs, put first unless the store already has it from this uploader. */
  init?: InitObject;
  seq: number;
  bytes: number;
  durationMs: number;
  options: PutOptions;
  queuedAt: number;
  abort: AbortController;
  /** Settles when the uploader is done with the job. */
  done?: Promise<void>;
  /** Why it was aborted: the core dropped it (the SDK reports that drop), close() ran out of time, or it moved to disk. */
  abortedFor?: "core-drop" | "close-deadline" | "spilled" | "spill-full";
  /** An attempt went out without getting an answer: the store may have the object. */
  mayHaveLanded?: boolean;
  /** Cut off while uploading: the uploader reports the outcome itself (uploaded, lost for this reason, or uncertain). */
  reportAs?: "buffer-overflow" | "close-deadline";
}

/** A segment in the ring: its views are valid while it holds the ring space and the core has not dropped it. */
export interface RingJob extends JobBase {
  kind: "ring";
  segment: Segment;
  /** Its ring space is still held (until uploaded, spilled, given up, or dropped by the core). */
  holdsRing: boolean;
}

/** A segment on local storage, uploaded from its file. */
export interface SpilledJob extends JobBase {
  kind: "spilled";
  spilled: SpilledSegment;
  /** The directory it waits in: read for upload, removed once uploaded or given up. */
  directory: SpillDirectory;
}

export type UploadJob = RingJob | SpilledJob;
