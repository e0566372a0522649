// Every media playlist we write (mux's VOD playlist, playback's range and I-frame playlists) comes from one writer
// with one target-duration rule: m3u8-parser reads each one, no EXTINF rounded to the nearest integer exceeds
// EXT-X-TARGETDURATION (RFC 8216 §4.3.3.1), and the target is the smallest whole number that holds.
// (The WASI command's writer is judged the same way on the same durations in test/playlist-writers.test.ts.)
import { describe, expect, test } from "vitest";
import { Parser } from "m3u8-parser";
import { formatVodPlaylist } from "../src/vod-playlist.js";
import { buildPlaylist } from "../src/playback/playlist.js";
import { buildIframePlaylist } from "../src/playback/iframe-playlist.js";
import type { RecordedSegment } from "../src/playback/recordings.js";
import { LONGEST_MS as MS, rfcTargetDuration, segmentsMs } from "./support/playlist-durations.js";

function parse(text: string) {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest;
}

/** RFC 8216 §4.3.3.1, and nothing larger than it needs: round(max EXTINF), at least 1. */
function expectTightTarget(text: string) {
  const m = parse(text);
  for (const s of m.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(m.targetDuration!);
  expect(m.targetDuration).toBe(rfcTargetDuration(m.segments.map((s) => s.duration)));
  return m;
}

const recorded = (durationMs: number, i: number): RecordedSegment => ({
  key: `k${i}`,
  size: 1000,
  startMs: 1_700_000_000_000 + i * 5000,
  durationMs,
  session: "s",
  seq: i,
  keyframeBytes: 376,
  discontinuity: i === 3,
});

describe("one media-playlist writer, one target-duration rule", () => {
  test.each(MS)("ipc-hls mux's VOD playlist, longest segment %d ms", (longest) => {
    const ms = segmentsMs(longest);
    const m = expectTightTarget(formatVodPlaylist(ms.map((t, i) => ({ uri: `s${i}.ts`, durationTicks: t * 90 }))));
    expect(m.endList).toBe(true);
    expect(m.segments.map((s) => s.duration)).toEqual(ms.map((t) => t / 1000));
  });

  test.each(MS)("playback range playlist, longest segment %d ms (VOD and live)", (longest) => {
    const segments = [1500, longest, 1000, 1200].map(recorded);
    for (const live of [false, true]) {
      const m = expectTightTarget(buildPlaylist(segments.map((segment) => ({ segment, uri: segment.key })), { live }));
      expect(m.endList ?? false).toBe(!live);
      expect(m.segments.map((s) => s.discontinuity ?? false)).toEqual([false, false, false, true]);
    }
  });

  test.each(MS)("playback I-frame playlist, longest segment %d ms", (longest) => {
    const segments = [1500, longest, 1000].map(recorded);
    const m = expectTightTarget(buildIframePlaylist(segments.map((segment) => ({ segment, uri: segment.key })), { live: false }));
    expect(m.iFramesOnly).toBe(true);
    expect(m.segments.map((s) => s.byterange)).toEqual(segments.map(() => ({ length: 376, offset: 0 })));
  });

  test("an empty live playlist keeps the reload interval; an empty mux playlist says 1", () => {
    expect(parse(buildPlaylist([], { live: true })).targetDuration).toBe(2);
    expect(parse(formatVodPlaylist([])).targetDuration).toBe(1);
  });
});
