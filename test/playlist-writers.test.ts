// The two writers of VOD media playlists judged on the same segment durations (test/support/playlist-durations.ts):
// the WASI command's (assembly/wasi-playlist.ts, here under wasmtime) and the Node one (src/media-playlist.ts,
// which writes ipc-hls mux's and the store's playlists; test/media-playlist.test.ts runs the store's on the same
// numbers). Each playlist is read by m3u8-parser: the EXTINF values are the durations ffmpeg encoded (IDR frames
// placed at those milliseconds of a 1000 fps stream), and EXT-X-TARGETDURATION is RFC 8216's (§4.3.3.1).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { formatVodPlaylist } from "../src/vod-playlist.js";
import { ffmpegSync, tempDir } from "./support/media-tools.js";
import { parsePlaylist } from "./support/mux-run.js";
import { LONGEST_MS, rfcTargetDuration, segmentsMs } from "./support/playlist-durations.js";
import { runUnderWasmtime } from "./support/wasi-run.js";

const tmp = tempDir("playlist-writers-");
afterAll(() => tmp.cleanup());

/** A 1000 fps stream whose only IDR frames start segments of these milliseconds (x264, forced key frames). */
function streamWithSegments(ms: number[], file: string): void {
  const starts = ms.slice(1).map((_, i) => ms.slice(0, i + 1).reduce((a, b) => a + b, 0));
  const total = ms.reduce((a, b) => a + b, 0);
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=32x32:rate=1000", "-frames:v", String(total), "-c:v", "libx264", "-g", "100000", "-bf", "0",
    "-force_key_frames", `expr:${starts.map((n) => `eq(n,${n})`).join("+")}`, "-f", "h264", file,
  ]);
}

describe.each(LONGEST_MS)("the longest segment %d ms", (longest) => {
  const ms = segmentsMs(longest);
  const seconds = ms.map((t) => t / 1000);
  let wasiText: string;

  beforeAll(async () => {
    const dir = join(tmp.path, String(longest));
    mkdirSync(join(dir, "out"), { recursive: true });
    streamWithSegments(ms, join(dir, "in.h264"));
    // --segment-duration 0.1: every IDR starts a segment.
    const { run } = await runUnderWasmtime(["in/in.h264", "--fps", "1000", "--segment-duration", "0.1", "--out", "out"], { dirs: { in: dir, out: join(dir, "out") } });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    wasiText = readFileSync(join(dir, "out/index.m3u8"), "utf8");
  }, 60_000);

  const writers: [string, () => string][] = [
    ["the WASI command's writer (assembly/wasi-playlist.ts)", () => wasiText],
    ["the Node writer (src/media-playlist.ts)", () => formatVodPlaylist(ms.map((t, i) => ({ uri: `segment-${i}.ts`, durationTicks: t * 90 })))],
  ];

  test.each(writers)("%s: m3u8-parser reads the durations; the target duration is RFC 8216's", (_, text) => {
    const playlist = parsePlaylist(text());
    expect(playlist.endList).toBe(true);
    expect(playlist.segments.map((s) => s.duration)).toEqual(seconds);
    for (const s of playlist.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(playlist.targetDuration!);
    expect(playlist.targetDuration).toBe(rfcTargetDuration(seconds));
  });
});
