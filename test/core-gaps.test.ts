// Pauses in the camera's video: a pause that ends at an IDR becomes a gap in the recording (the segment before
// ends at its last frame, the next is marked discontinuous); a short pause before another picture loses nothing.
import { describe, expect, test } from "vitest";
import { readFileSync } from "node:fs";
import { MuxerCore } from "../src/core.js";
import type { Segment } from "../src/core-types.js";
import { accessUnits } from "./support/annexb.js";
import { checkSegments } from "./support/ts-inspect.js";
import { fixturePath } from "./support/media-tools.js";

// 75 frames at 25 fps, an IDR every 25 frames (frames 0, 25, 50).
const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const FRAME_US = 40_000;

async function mux(timeOf: (i: number) => number) {
  const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1 });
  const reasons: string[] = [];
  units.forEach((au, i) => {
    const r = core.putVideo([au], timeOf(i));
    if (r) reasons.push(`${i}:${r}`);
  });
  core.flush();
  const segments: (Segment & { bytes: Uint8Array })[] = [];
  for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push({ ...s, bytes: new Uint8Array(Buffer.concat(s.parts)) });
  return { segments, reasons };
}

describe("pauses in the video", () => {
  test("3 s without video, ending at an IDR: the segment before ends at its last frame, the next one is discontinuous", async () => {
    const { segments, reasons } = await mux((i) => i * FRAME_US + (i >= 50 ? 3_000_000 : 0));
    expect(reasons).toEqual([]);
    expect(segments.map((s) => s.videoFrames)).toEqual([25, 25, 25]);
    expect(segments.map((s) => s.durationUs)).toEqual([1_000_000, 1_000_000, 1_000_000]);
    expect(segments.map((s) => s.discontinuity)).toEqual([false, false, true]);
    // The wall clock of the segment after the pause is 3 s later than the media alone would say.
    expect(segments[2]!.wallStartMs - segments[1]!.wallStartMs).toBeCloseTo(4000, 0);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
  });

  test("3 s without video before a P-frame: nothing is lost, the segment spans the pause", async () => {
    const { segments, reasons } = await mux((i) => i * FRAME_US + (i >= 60 ? 3_000_000 : 0));
    expect(reasons).toEqual([]);
    expect(segments.map((s) => s.videoFrames)).toEqual([25, 25, 25]);
    expect(segments[2]!.durationUs).toBe(4_000_000);
    expect(segments.every((s) => !s.discontinuity)).toBe(true);
  });

  test("more than 10 s without video before a P-frame: frames wait for the next IDR", async () => {
    const { segments, reasons } = await mux((i) => i * FRAME_US + (i >= 40 ? 12_000_000 : 0));
    expect(reasons).toEqual(Array.from({ length: 10 }, (_, k) => `${40 + k}:waiting-for-keyframe`));
    expect(segments.map((s) => s.videoFrames)).toEqual([25, 15, 25]);
    expect(segments.map((s) => s.discontinuity)).toEqual([false, false, true]);
  });
});

describe("a frame the source lost (MuxerCore.videoLost, as RTP loss reports it)", () => {
  test("the open segment ends at its last whole frame, nothing is muxed until the next IDR, which starts a discontinuous segment", async () => {
    const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1 });
    const reasons: string[] = [];
    units.forEach((au, i) => {
      if (i === 11) {
        core.videoLost(); // frame 11 never arrived whole; 12–24 refer back to it
        return;
      }
      const r = core.putVideo([au], i * FRAME_US);
      if (r) reasons.push(`${i}:${r}`);
    });
    core.flush();
    const segments: (Segment & { bytes: Uint8Array })[] = [];
    for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push({ ...s, bytes: new Uint8Array(Buffer.concat(s.parts)) });
    // Frames 0–10, then 25–49 and 50–74 (segments of 1 s cut at the IDRs).
    expect(segments.map((s) => s.videoFrames)).toEqual([11, 25, 25]);
    expect(segments.map((s) => s.discontinuity)).toEqual([false, true, false]);
    expect(reasons).toEqual(Array.from({ length: 13 }, (_, k) => `${12 + k}:waiting-for-keyframe`));
    expect(core.stats().videoFramesDropped).toBe(13);
    for (const s of segments) checkSegments([s.bytes]);
  });
});
