// A limit on uploads in flight shared by several recorders (many cameras in one process): each upload holds a
// slot while its request runs, so the cameras together never open more connections than the uplink can carry.
// A recorder's own `concurrency` still bounds its share.

export class UploadSlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!(Number.isInteger(size) && size >= 1)) throw new RangeError("upload slots: a whole number ≥ 1");
    this.free = size;
  }

  /** Slots in use now. */
  get inUse(): number {
    return this.size - this.free;
  }

  /** Waits for a slot (first come, first served); resolves to its release function. Rejects when `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const grant = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(this.releaser());
      };
      const onAbort = () => {
        const at = this.waiting.indexOf(grant);
        if (at >= 0) this.waiting.splice(at, 1);
        reject(signal!.reason);
      };
      this.waiting.push(grant);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /** A release function that gives the slot to the next waiter (or back), once only. */
  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    };
  }
}
