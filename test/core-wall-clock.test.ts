// Segment wall times: the core asks for the wall clock only when a segment anchors it (the first segment, and
// the first after the camera's clock restarted); the segments between follow the frames' timestamps.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { MuxerCore } from "../src/core.js";
import type { Segment } from "../src/core-types.js";
import { accessUnits } from "./support/annexb.js";
import { fixturePath } from "./support/media-tools.js";

// 75 frames at 25 fps, an IDR every 25 frames (frames 0, 25, 50).
const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const FRAME_US = 40_000;
const T0 = 1_764_000_000_000;

/** Muxes the 75 frames with the given timestamps; the clock advances 1 ms per frame put and counts its reads. */
async function mux(timeOf: (i: number) => number, wallOf?: (i: number) => number) {
  let frame = 0;
  const reads: number[] = [];
  const clock = () => {
    reads.push(frame);
    return T0 + frame;
  };
  const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1, clock });
  const segments: Segment[] = [];
  units.forEach((au, i) => {
    frame = i;
    expect(core.putVideo([au], timeOf(i), timeOf(i), wallOf?.(i))).toBeUndefined();
    for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push(s);
  });
  core.flush();
  for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push(s);
  return { segments, reads };
}

describe("segment wall times", () => {
  test("the clock is read once, at the first segment; later segments follow the timestamps", async () => {
    const { segments, reads } = await mux((i) => 5_000_000 + i * FRAME_US);
    expect(reads).toEqual([0]);
    expect(segments.map((s) => s.wallStartMs)).toEqual([T0, T0 + 1000, T0 + 2000]);
  });

  test("the camera's clock restarts at an IDR: the clock is read again and anchors the segments from there", async () => {
    // Frames 50.. restart from timestamp 0 (a camera reboot): 2 s back, more than the 1 s the core tolerates.
    const { segments, reads } = await mux((i) => (i < 50 ? 2_000_000 + i * FRAME_US : (i - 50) * FRAME_US));
    expect(reads).toEqual([0, 50]);
    expect(segments.map((s) => s.wallStartMs)).toEqual([T0, T0 + 1000, T0 + 50]);
    expect(segments.map((s) => s.discontinuity)).toEqual([false, false, true]);
  });

  test("a wall time given with the frame is used and the clock is not read", async () => {
    const { segments, reads } = await mux((i) => i * FRAME_US, (i) => 42_000 + i);
    expect(reads).toEqual([]);
    expect(segments.map((s) => s.wallStartMs)).toEqual([42_000, 43_000, 44_000]);
  });
});
