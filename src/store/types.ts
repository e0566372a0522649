// The storage abstraction: where finished segments go and where playback finds them.
// Two implementations share the key layout of src/keys.ts: S3 (any S3-compatible endpoint) and a local
// directory (the embedded default: an NVR disk or SD card, no cloud needed).
import type { ListedObject } from "../s3/list.js";

export interface PutOptions {
  /** User metadata (x-amz-meta-*), e.g. duration, codecs. Keys lower-case ASCII. */
  metadata?: Record<string, string>;
  /** Object tags, at most 10. */
  tags?: Record<string, string>;
  contentType?: string;
  signal?: AbortSignal;
}

/** (Defined by the listing that produces it: store/ builds on s3/, never the reverse.) */
export type { ListedObject };

export interface ObjectStore {
  /** A short description for logs, e.g. "s3://bucket/prefix" or "/var/rec"; never contains secrets. */
  readonly description: string;
  /** Stores a whole object from one or two byte views (a segment may wrap around the ring buffer). */
  put(key: string, body: readonly Uint8Array[], options?: PutOptions): Promise<void>;
  /** The object's size, or undefined when there is no such object (an S3 HEAD); throws when the store cannot say. */
  head?(key: string, signal?: AbortSignal): Promise<{ size: number } | undefined>;
  /** Lists every key that starts with `prefix`, in lexicographic order. */
  list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]>;
}
