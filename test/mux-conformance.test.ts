// Conformance of `ipc-hls mux` on every video fixture, judged by tools we did not write: ffmpeg decodes each
// segment alone, ffprobe counts frames and reads timestamps, m3u8-parser reads the playlist; our own independent
// TS checker (test/support/ts-inspect.ts) checks the MPEG-TS rules ffmpeg tolerates (PCR spacing, PAT/PMT, AUD...).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { checkSegments } from "./support/ts-inspect.js";
import {
  decodeErrors,
  decodedVideoFrames,
  fixtureFacts,
  fixturePath,
  frameHashes,
  probePackets,
  probeStreams,
  tempDir,
} from "./support/media-tools.js";
import { ipcHlsMux, type MuxResult } from "./support/mux-run.js";

interface Case {
  fixture: string;
  fps: string;
  /** --segment-duration, seconds (default 2 when absent). */
  segmentDuration?: number;
}

const CASES: Case[] = [
  { fixture: "video/baseline-320x240-25fps.h264", fps: "25" },
  { fixture: "video/high-bframes-320x240-25fps.h264", fps: "25" },
  { fixture: "video/multislice-320x240-25fps.h264", fps: "25" },
  { fixture: "video/headers-once-320x240-25fps.h264", fps: "25" },
  { fixture: "video/long-gop-320x240-25fps.h264", fps: "25" },
  { fixture: "video/ntsc-320x240-29.97fps.h264", fps: "30000/1001" },
  { fixture: "video/with-aud-320x240-25fps.h264", fps: "25" },
  { fixture: "video/av-1280x720-25fps.h264", fps: "25" },
  { fixture: "sample/sample-640x360-25fps.h264", fps: "25", segmentDuration: 4 },
];

const facts = fixtureFacts();
const tmp = tempDir("mux-conformance-");
afterAll(() => tmp.cleanup());

const rate = (fps: string) => {
  const [n, d] = fps.split("/").map(Number);
  return n! / (d ?? 1);
};

describe.each(CASES)("ipc-hls mux $fixture", ({ fixture, fps, segmentDuration }) => {
  const expected = facts[fixture]!;
  const frameSeconds = 1 / rate(fps);
  const target = segmentDuration ?? 2;
  let mux: MuxResult;
  // ffprobe's frame count per segment, read once and used by two tests.
  const counted = new Map<string, ReturnType<typeof probeStreams>>();
  const countFrames = (path: string) => {
    if (!counted.has(path)) counted.set(path, probeStreams(path, true));
    return counted.get(path)!;
  };

  beforeAll(async () => {
    const out = join(tmp.path, fixture.replace(/[/.]/g, "_"));
    mkdirSync(out);
    const extra = segmentDuration ? ["--segment-duration", String(segmentDuration)] : [];
    mux = await ipcHlsMux(fixturePath(fixture), fps, out, extra);
  });

  test("exits 0 and writes a playlist that names every segment it wrote, in name order", () => {
    expect(mux.stderr).toBe("");
    expect(mux.exitCode).toBe(0);
    expect(mux.segments.length).toBeGreaterThan(0);
    expect(mux.segments.map((s) => s.uri)).toEqual(mux.tsFiles);
  });

  test("every segment decodes alone: ffmpeg -v error -xerror prints nothing", async () => {
    for (const s of mux.segments) expect(await decodeErrors(s.path), s.uri).toBe("");
  });

  test("our TS checks pass on every segment, continuity counters run on across segments", () => {
    const reports = checkSegments(mux.segments.map((s) => s.bytes));
    reports.forEach((r, i) => {
      expect(r.violations, mux.segments[i]!.uri).toEqual([]);
      expect(r.audioPid, "no audio stream in a video-only mux").toBeUndefined();
    });
  });

  test("decoded frames in all segments == ffprobe's count of the raw input", async () => {
    let frames = 0;
    for (const s of mux.segments) {
      const [video, ...others] = await countFrames(s.path);
      expect(others, `${s.uri}: only one stream`).toEqual([]);
      expect(video!.codecType).toBe("video");
      frames += video!.frames ?? 0;
    }
    expect(frames).toBe(expected.frames);
  });

  test("the codec string it reports is avc1.PPCCLL with ffprobe's profile and level of the raw input", () => {
    const match = /codecs (avc1\.([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2}))/.exec(mux.stdout);
    expect(match, mux.stdout).not.toBeNull();
    const profileIdc: Record<string, number> = { "Constrained Baseline": 0x42, Baseline: 0x42, Main: 0x4d, High: 0x64 };
    expect(parseInt(match![2]!, 16)).toBe(profileIdc[expected.profile]);
    expect(parseInt(match![4]!, 16)).toBe(expected.level);
  });

  test("codec parameters match ffprobe's reading of the raw input", async () => {
    const [video] = await probeStreams(mux.segments[0]!.path);
    expect({ codec: video!.codecName, profile: video!.profile, level: video!.level, width: video!.width, height: video!.height }).toEqual({
      codec: expected.codec,
      profile: expected.profile,
      level: expected.level,
      width: expected.width,
      height: expected.height,
    });
  });

  test("monotonic DTS; frames come out in ffmpeg's presentation order, one frame duration apart, same pictures", async () => {
    const packets = await probePackets(mux.concatenatedPath, "v:0");
    expect(packets.length).toBe(expected.frames);
    for (let i = 0; i < packets.length; i++) {
      const p = packets[i]!;
      expect(p.pts, `packet ${i} PTS`).toBeDefined();
      expect(p.dts, `packet ${i} DTS`).toBeDefined();
      expect(p.pts!, `packet ${i} PTS ≥ DTS`).toBeGreaterThanOrEqual(p.dts!);
      if (i > 0) expect(p.dts!, `packet ${i} DTS after the previous`).toBeGreaterThan(packets[i - 1]!.dts!);
    }
    // The decoder outputs pictures in picture-order-count order; with right PTS their times rise by one frame each.
    const frames = await decodedVideoFrames(mux.concatenatedPath);
    expect(frames.length).toBe(expected.frames);
    const t0 = frames[0]!.time!;
    const drift = frames.map((f, i) => Math.abs(f.time! - t0 - i * frameSeconds));
    expect(Math.max(...drift), "presentation times off the frame grid (s)").toBeLessThan(0.0001);
    // Same pictures in the same order as ffmpeg's own decode of the raw file.
    const [ours, reference] = await Promise.all([frameHashes(mux.concatenatedPath), frameHashes(fixturePath(fixture))]);
    expect(ours).toEqual(reference);
  });

  test("playlist: integer TARGETDURATION ≥ every rounded EXTINF, EXTINF = frames × frame duration, ENDLIST", async () => {
    const pl = mux.playlist;
    expect(mux.playlistText.startsWith("#EXTM3U")).toBe(true);
    expect(mux.playlistText).toMatch(/^#EXT-X-INDEPENDENT-SEGMENTS$/m);
    expect(pl.independentSegments).toBe(true);
    expect(pl.endList).toBe(true);
    expect(mux.playlistText).toMatch(/^#EXT-X-TARGETDURATION:\d+$/m);
    expect(Number.isInteger(pl.targetDuration)).toBe(true);
    for (const s of mux.segments) expect(Math.round(s.extinf), s.uri).toBeLessThanOrEqual(pl.targetDuration!);
    const total = mux.segments.reduce((sum, s) => sum + s.extinf, 0);
    expect(Math.abs(total - expected.frames * frameSeconds)).toBeLessThan(0.001);
    for (const [i, s] of mux.segments.entries()) {
      const [video] = await countFrames(s.path);
      expect(Math.abs(s.extinf - video!.frames! * frameSeconds), `${s.uri} EXTINF ${s.extinf}`).toBeLessThan(0.001);
      // Cut before the first IDR at or after the target: only the last segment may be shorter.
      if (i < mux.segments.length - 1) expect(s.extinf + 1e-6, `${s.uri} shorter than the target`).toBeGreaterThanOrEqual(target);
    }
  });
});
