// Segments with made-up bodies for testing the uploader without the WASM core: each segment's body is two
// views into one shared buffer (as a segment that wraps around the core's ring), and the ring records which
// segments were released or dropped.
import type { Segment } from "../../src/core-types.js";
import type { SegmentRing } from "../../src/uploader.js";

export class SyntheticRing implements SegmentRing {
  readonly released: number[] = [];
  private readonly dropped = new Set<number>();
  private nextId = 1;
  /** The full body of each segment made, by id (copies, for comparing with what reached the store). */
  readonly bodies = new Map<number, Buffer>();

  release(id: number): void {
    if (this.released.includes(id)) throw new Error(`segment ${id} released twice`);
    if (this.dropped.has(id)) throw new Error(`segment ${id} released after being dropped`);
    this.released.push(id);
  }

  isLive(id: number): boolean {
    return !this.dropped.has(id) && !this.released.includes(id);
  }

  drop(id: number): void {
    this.dropped.add(id);
  }

  /** A segment of `bytes` bytes (a multiple of 188 is not needed here) starting at `wallStartMs`. */
  make(seq: number, bytes = 188 * 500, wallStartMs = Date.UTC(2026, 0, 2, 3, 4, 5, 678) + seq * 2000): Segment {
    const id = this.nextId++;
    const memory = new Uint8Array(bytes + 64);
    for (let i = 0; i < memory.length; i++) memory[i] = (i * 13 + seq * 101 + 1) & 0xff;
    const split = Math.floor(bytes / 3);
    // Second view first in memory: the segment wrapped around the end of the ring.
    const parts = [memory.subarray(64 + bytes - split, 64 + bytes), memory.subarray(64, 64 + bytes - split)];
    this.bodies.set(id, Buffer.concat(parts.map((p) => Buffer.from(p)) as unknown as Uint8Array[]));
    return {
      id,
      seq,
      parts,
      byteLength: bytes,
      startPtsUs: seq * 2_000_000,
      durationUs: 2_000_000,
      wallStartMs,
      codecs: "avc1.64001f",
      width: 1280,
      height: 720,
      videoFrames: 50,
      audioFrames: 0,
      discontinuity: false,
    };
  }
}
