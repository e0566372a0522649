// A deliberate gap in a recording made by our SDK: the camera stops sending for 15 s (at a GOP boundary) and
// resumes. (The core counts more than 10 s without video as a gap; a shorter pause stretches the previous
// segment's duration instead, see assembly/muxer.ts TIMELINE_GAP.) The playlist must show exactly one DISCONTINUITY there, with a fresh PROGRAM-DATE-TIME, and its EXTINF
// sum must equal the recorded duration.
import { describe, it, expect, afterAll } from "vitest";
import { readFile } from "node:fs/promises";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { Parser } from "m3u8-parser";
import { HlsRecorder } from "../src/sdk.js";
import { LocalStore } from "../src/store/local-store.js";
import { rangePlaylist } from "../src/playback/range-playlist.js";
import { accessUnits } from "./support/annexb.js";
import { fixturePath, rawTimestampsUs, tempDir } from "./support/media-tools.js";

const exec = promisify(execFile);
const dir = tempDir("ipc-hls-sdk-gap-");
afterAll(() => dir.cleanup());

interface Manifest {
  segments: Array<{ duration: number; uri: string; dateTimeString?: string }>;
  discontinuityStarts: number[];
}

describe("playlist of an SDK recording with a gap", () => {
  it("has one DISCONTINUITY with a fresh PROGRAM-DATE-TIME at the gap, and EXTINF sum = recorded duration", async () => {
    const store = new LocalStore(dir.path);
    const startMs = Date.UTC(2026, 10, 25, 10, 0, 0);
    const video = fixturePath("sample/sample-640x360-25fps.h264");
    const { ptsUs, dtsUs } = await rawTimestampsUs(video, 25);
    const units = accessUnits(new Uint8Array(await readFile(video)));
    const GAP_US = 15_000_000;
    const recorder = new HlsRecorder({ bufferSize: 4 * 1024 * 1024, store, prefix: "cam", session: "0000000d", now: () => startMs });
    await recorder.start();
    // The clip's GOP is 2 s (50 frames): frames 100.. start at an IDR, 4 s in; they arrive 15 s late.
    units.forEach((bytes, i) => {
      const shift = i >= 100 ? GAP_US : 0;
      const dropped = recorder.putVideoFrame({ parts: [bytes], timestampUs: ptsUs[i]! + shift, decodeTimestampUs: dtsUs[i]! + shift });
      expect(dropped).toBeUndefined();
    });
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(stats.segmentsDropped).toBe(0);

    const result = await rangePlaylist({ store, prefix: "cam", range: { startMs, endMs: startMs + 60_000 }, now: startMs + 3_600_000, segmentUri: (s) => `${dir.path}/${s.key}` });
    const parser = new Parser();
    parser.push(result.playlist);
    parser.end();
    const m = parser.manifest as unknown as Manifest;
    const keys = await store.list("cam/");
    expect(m.segments).toHaveLength(keys.length);
    expect(m.discontinuityStarts).toHaveLength(1);
    const at = m.discontinuityStarts[0];
    const gapSegment = result.segments[at];
    const before = result.segments[at - 1];
    expect(gapSegment.startMs - (before.startMs + before.durationMs)).toBeCloseTo(15_000, -2);
    expect(m.segments[at].dateTimeString).toBe(new Date(gapSegment.startMs).toISOString());
    const extinfSum = m.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(extinfSum).toBeCloseTo(result.segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000, 9);
    // 250 frames at 25 fps were recorded: 10 s of media, whatever the gap.
    expect(extinfSum).toBeCloseTo(10, 1);

    // Each side of the gap is a continuous stream ffmpeg decodes without complaint.
    const { stderr } = await exec("ffmpeg", ["-v", "error", "-xerror", "-i", `concat:${result.segments.slice(0, at).map((s) => `${dir.path}/${s.key}`).join("|")}`, "-f", "null", "-"]);
    expect(stderr).toBe("");
  });
});
