// The device clock as the store sees it. Cameras often boot without NTP, and SigV4 refuses requests more than
// 15 minutes off, so the signing date is the local clock plus an offset learnt from the store's Date header.

/** A skew smaller than this is left alone: the Date header has a one-second resolution and travel time. */
const CORRECT_ABOVE_MS = 60_000;

export class SkewedClock {
  /** Milliseconds to add to the local clock to get the store's time. */
  offsetMs = 0;

  constructor(private readonly localNow: () => number = Date.now) {}

  /** The corrected time, in ms since the epoch. */
  now(): number {
    return this.localNow() + this.offsetMs;
  }

  /**
   * Learns the offset from a response's Date header. Only a large difference changes it, unless `force`
   * (after a skew error, whatever the store's time is, it is the one that counts). Returns true if it changed.
   */
  observe(dateHeader: string | undefined, force = false): boolean {
    if (!dateHeader) return false;
    const serverMs = Date.parse(dateHeader);
    if (Number.isNaN(serverMs)) return false;
    const diff = serverMs - this.now();
    if (!force && Math.abs(diff) < CORRECT_ABOVE_MS) return false;
    if (diff === 0) return false;
    this.offsetMs = serverMs - this.localNow();
    return true;
  }
}
