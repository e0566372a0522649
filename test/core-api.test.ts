// The host class MuxerCore fed directly with access units, as camera firmware would: codec string and picture size
// against ffprobe's reading of the input, byte-identical output when frames arrive split in two parts (the encoder's
// ring buffer wrapping), and the drop reasons for bad input.
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import type { Segment } from "../src/core-types.js";
import { accessUnits, nalUnits } from "./support/annexb.js";
import { checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, fixtureFacts, fixturePath, probeStreams, rawTimestampsUs, tempDir } from "./support/media-tools.js";

const facts = fixtureFacts();
const tmp = tempDir("core-api-");
afterAll(() => tmp.cleanup());

const PROFILE_IDC: Record<string, number> = { "Constrained Baseline": 0x42, Baseline: 0x42, Main: 0x4d, High: 0x64 };

interface Taken {
  bytes: Uint8Array;
  meta: Omit<Segment, "parts">;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** Takes every finished segment out of the core (copying its views) and releases it. */
function drain(core: MuxerCore, into: Taken[]): void {
  for (let s = core.takeSegment(); s; s = core.takeSegment()) {
    const { parts, ...meta } = s;
    into.push({ bytes: concat(parts), meta });
    core.release(s.id);
  }
}

/** Feeds a whole fixture; split(i, au) may cut an access unit into parts. Returns segments and drop reasons. */
async function muxFixture(fixture: string, fps: number, split?: (au: Uint8Array) => Uint8Array[]) {
  const data = new Uint8Array(readFileSync(fixturePath(fixture)));
  const aus = accessUnits(data);
  const { ptsUs, dtsUs } = await rawTimestampsUs(fixturePath(fixture), fps);
  expect(aus.length).toBe(ptsUs.length);
  const core = await MuxerCore.create({ bufferSize: 4 * 1024 * 1024 });
  const segments: Taken[] = [];
  const drops: string[] = [];
  aus.forEach((au, i) => {
    const reason = core.putVideo(split ? split(au) : [au], ptsUs[i]!, dtsUs[i]!);
    if (reason) drops.push(`${i}:${reason}`);
    drain(core, segments);
  });
  core.flush();
  drain(core, segments);
  return { segments, drops, stats: core.stats(), aus };
}

describe.each([
  { fixture: "video/baseline-320x240-25fps.h264", fps: 25 },
  { fixture: "video/high-bframes-320x240-25fps.h264", fps: 25 },
  { fixture: "video/headers-once-320x240-25fps.h264", fps: 25 },
  { fixture: "video/multislice-320x240-25fps.h264", fps: 25 },
  { fixture: "video/av-1280x720-25fps.h264", fps: 25 },
])("MuxerCore on $fixture", ({ fixture, fps }) => {
  const expected = facts[fixture]!;

  test("codec string, size and frame counts match ffprobe; segments pass the TS checks and decode", async () => {
    const { segments, drops, stats } = await muxFixture(fixture, fps);
    expect(drops).toEqual([]);
    expect(segments.length).toBeGreaterThan(0);
    // avc1.PPCCLL: profile_idc and level_idc as ffprobe reads them; CC (constraint flags) from the SPS bytes.
    const raw = new Uint8Array(readFileSync(fixturePath(fixture)));
    const sps = nalUnits(raw).find((u) => u.type === 7)!;
    const hex = (n: number) => n.toString(16).padStart(2, "0");
    const codecs = `avc1.${hex(PROFILE_IDC[expected.profile]!)}${hex(raw[sps.headerAt + 2]!)}${hex(expected.level!)}`;
    for (const s of segments) {
      expect(s.meta.codecs).toBe(codecs);
      expect([s.meta.width, s.meta.height]).toEqual([expected.width, expected.height]);
    }
    expect(segments.reduce((n, s) => n + s.meta.videoFrames, 0)).toBe(expected.frames);
    expect(stats.videoFramesIn).toBe(expected.frames);
    expect(stats.videoFramesDropped).toBe(0);
    expect(stats.segmentsMade).toBe(segments.length);
    expect(stats.bufferUsed).toBe(0);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
    // seq counts up; start times and durations tile the timeline.
    segments.forEach((s, i) => expect(s.meta.seq).toBe(i));
    for (let i = 1; i < segments.length; i++) {
      const prev = segments[i - 1]!.meta;
      expect(Math.abs(segments[i]!.meta.startPtsUs - (prev.startPtsUs + prev.durationUs))).toBeLessThanOrEqual(1);
    }
    const first = join(tmp.path, `${fixture.replace(/\W/g, "_")}-0.ts`);
    writeFileSync(first, segments[0]!.bytes);
    expect(await decodeErrors(first)).toBe("");
    const [probed] = await probeStreams(first);
    expect(probed!.profile).toBe(expected.profile);
  });

  test("frames split in two parts anywhere (even inside a start code) give byte-identical segments", async () => {
    const whole = await muxFixture(fixture, fps);
    let k = 0;
    const split = (au: Uint8Array) => {
      // Cycle through cut points: 1, 2, 3, 4 bytes in (inside the start code), the middle, one byte before the end.
      const cuts = [1, 2, 3, 4, au.length >> 1, au.length - 1];
      const at = Math.min(Math.max(cuts[k++ % cuts.length]!, 1), au.length - 1);
      return [au.subarray(0, at), au.subarray(at)];
    };
    const parted = await muxFixture(fixture, fps, split);
    expect(parted.drops).toEqual([]);
    expect(parted.segments.length).toBe(whole.segments.length);
    parted.segments.forEach((s, i) => expect(Buffer.compare(s.bytes, whole.segments[i]!.bytes), `segment ${i}`).toBe(0));
  });
});

describe("bad input is dropped with a reason, never a crash or a corrupt segment", () => {
  test("frames before the first SPS/PPS/IDR, oversized frames, timestamps going backwards, garbage", async () => {
    const data = new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
    const aus = accessUnits(data);
    const core = await MuxerCore.create({ bufferSize: 1024 * 1024, maxFrameSize: 64 * 1024 });
    const segments: Taken[] = [];
    const frameUs = 40_000;
    // A P-frame before anything else: nothing to decode it against.
    expect(core.putVideo([aus[1]!], 0, 0)).toBe("waiting-for-keyframe");
    for (let i = 0; i < 30; i++) expect(core.putVideo([aus[i]!], (i + 1) * frameUs, (i + 1) * frameUs), `frame ${i}`).toBeUndefined();
    // Same timestamp again, then one from the past.
    expect(core.putVideo([aus[30]!], 30 * frameUs, 30 * frameUs)).toBe("timestamp-backwards");
    expect(core.putVideo([aus[30]!], 10 * frameUs, 10 * frameUs)).toBe("timestamp-backwards");
    // Larger than maxFrameSize.
    const huge = new Uint8Array(100 * 1024);
    huge.set([0, 0, 0, 1, 0x65], 0);
    expect(core.putVideo([huge], 31 * frameUs, 31 * frameUs)).toBe("frame-too-large");
    // No start code at all; a start code with nothing after it.
    expect(core.putVideo([new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])], 32 * frameUs, 32 * frameUs)).toBe("malformed");
    expect(core.putVideo([new Uint8Array([0, 0, 1])], 33 * frameUs, 33 * frameUs)).toBe("malformed");
    expect(core.putVideo([], 34 * frameUs, 34 * frameUs)).toBe("malformed");
    drain(core, segments);
    core.flush();
    drain(core, segments);
    const stats = core.stats();
    expect(stats.videoFramesDropped).toBe(7);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
    expect(segments.reduce((n, s) => n + s.meta.videoFrames, 0)).toBe(30);
  });
});

describe("a gap in the input (frames dropped until the next IDR)", () => {
  test("the segment before the gap covers only its frames; the one after is marked discontinuous and passes every check", async () => {
    const aus = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
    const frameUs = 40_000;
    const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1 });
    const segments: Taken[] = [];
    const reasons: string[] = [];
    aus.forEach((au, i) => {
      // Frame 5 arrives as garbage: the core refuses it and cannot use frames 6..24, which depend on it.
      const reason = core.putVideo([i === 5 ? new Uint8Array([1, 2, 3, 4, 5]) : au], i * frameUs, i * frameUs);
      if (reason) reasons.push(reason);
      drain(core, segments);
    });
    core.flush();
    drain(core, segments);
    expect(reasons[0]).toBe("malformed");
    expect(segments.map((s) => s.meta.videoFrames)).toEqual([5, 25, 25]);
    // Soft: report every broken promise of this scenario at once.
    expect.soft(segments.map((s) => s.meta.durationUs), "durationUs").toEqual([5 * frameUs, 25 * frameUs, 25 * frameUs]);
    expect.soft(segments.map((s) => s.meta.discontinuity), "discontinuity").toEqual([false, true, false]);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) expect.soft(r.violations, `segment ${i}`).toEqual([]);
    for (const [i, s] of segments.entries()) {
      const file = join(tmp.path, `gap-${i}.ts`);
      writeFileSync(file, s.bytes);
      expect.soft(await decodeErrors(file), `segment ${i}`).toBe("");
    }
  });
});

describe("a stream that starts mid-GOP (a camera joined between keyframes)", () => {
  test("frames before the first IDR are refused and leave no trace in the first segment", async () => {
    const aus = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
    const frameUs = 40_000;
    const core = await MuxerCore.create({ bufferSize: 2 * 1024 * 1024, segmentDuration: 1 });
    const segments: Taken[] = [];
    const reasons: (string | undefined)[] = [];
    for (let i = 20; i < aus.length; i++) {
      reasons.push(core.putVideo([aus[i]!], i * frameUs, i * frameUs));
      drain(core, segments);
    }
    core.flush();
    drain(core, segments);
    expect(reasons.slice(0, 5)).toEqual(Array(5).fill("waiting-for-keyframe"));
    expect(reasons.slice(5).every((r) => r === undefined)).toBe(true);
    expect(segments.map((s) => s.meta.videoFrames)).toEqual([25, 25]);
    expect(segments[0]!.meta.startPtsUs).toBe(25 * frameUs);
    for (const [i, r] of checkSegments(segments.map((s) => s.bytes)).entries()) {
      expect.soft(r.violations, `segment ${i}`).toEqual([]);
      // Nothing before the first frame's PES but PAT and PMT.
      expect.soft(r.videoPes[0]!.packetIndex, `segment ${i}: packets before the first video PES`).toBe(2);
    }
  });
});

