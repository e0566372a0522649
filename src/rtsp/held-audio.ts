// Audio frames that complete while a video access unit is being assembled in the sink's buffer. The sink takes
// audio through that same buffer (the core's input area), so they wait here, copied into one bounded area, and are
// handed over right after the unit.

/** Ample for a unit that takes a second to arrive (AAC at 48 kHz: 47 frames of at most a few hundred bytes). */
const HELD_BYTES = 64 * 1024;
const HELD_FRAMES = 256;

export class HeldAudio {
  private readonly bytes = new Uint8Array(HELD_BYTES);
  private readonly ends: number[] = [];
  private readonly pts: number[] = [];

  get isEmpty(): boolean {
    return this.ends.length === 0;
  }

  /** Keeps a copy of the frame; false when the area is full (the caller counts the frame as lost). */
  hold(adts: Uint8Array, ptsUs: number): boolean {
    const from = this.ends.length > 0 ? this.ends[this.ends.length - 1] : 0;
    if (from + adts.length > this.bytes.length || this.ends.length >= HELD_FRAMES) return false;
    this.bytes.set(adts, from);
    this.ends.push(from + adts.length);
    this.pts.push(ptsUs);
    return true;
  }

  /** Hands every held frame over in order and empties the area; returns how many. */
  release(deliver: (adts: Uint8Array, ptsUs: number) => void): number {
    const count = this.ends.length;
    let from = 0;
    for (let k = 0; k < count; k++) {
      deliver(this.bytes.subarray(from, this.ends[k]), this.pts[k]);
      from = this.ends[k];
    }
    this.clear();
    return count;
  }

  clear(): void {
    this.ends.length = 0;
    this.pts.length = 0;
  }
}
