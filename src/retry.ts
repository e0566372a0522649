// When and how long to wait before trying an upload again.
//
//   transient (5xx, SlowDown, RequestTimeout, InternalError, network errors, timeouts)
//        → exponential backoff with full jitter: random(0, min(cap, base · 2^attempt)), re-signed each time
//   clock-skew (RequestTimeTooSkewed, RequestExpired, ...) → the connection already took the store's time from
//        the Date header, so retry at once (once; a second skew error backs off like a transient one)
//   auth (ExpiredToken, InvalidAccessKeyId, SignatureDoesNotMatch) → keep the segment, wait for new credentials
//   integrity (BadDigest, checksum mismatch) → retry: the body is read again from the ring, a bit flip on the way
//        does not repeat; a fault that does repeat is counted as a lost segment after maxAttempts
//   fatal (other 4xx: AccessDenied, NoSuchBucket, InvalidTag...) → the segment is reported and counted lost
import { errorKind, type S3ErrorKind } from "./s3/errors.js";

export interface BackoffOptions {
  /** First retry waits up to this long (ms). */
  baseMs: number;
  /** No wait is longer than this (ms). */
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 16_000 };

/** Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"): random(0, min(cap, base·2^attempt)). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random: () => number = Math.random): number {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

export type RetryDecision = "retry" | "retry-now" | "wait-for-credentials" | "give-up";

/** Local store errors that may go away by themselves (disk briefly full, too many open files). */
const TRANSIENT_SYSTEM_CODES = new Set(["ENOSPC", "EIO", "EMFILE", "ENFILE", "EBUSY", "EAGAIN"]);

/** The kind of any error an ObjectStore.put may throw (S3 errors carry their own; others by system code). */
export function classifyError(err: unknown): S3ErrorKind {
  const code = (err as { code?: unknown })?.code;
  if (typeof code === "string" && TRANSIENT_SYSTEM_CODES.has(code)) return "transient";
  return errorKind(err);
}

/** What to do after attempt number `attempt` (0-based) failed with `err`; `skewRetried`: already retried for skew. */
export function decide(err: unknown, skewRetried: boolean): RetryDecision {
  switch (classifyError(err)) {
    case "transient":
    case "integrity":
      return "retry";
    case "clock-skew":
      return skewRetried ? "retry" : "retry-now";
    case "auth":
      return "wait-for-credentials";
    default:
      return "give-up";
  }
}

/** A promise that resolves after `ms`, or rejects when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
