// Range → keys → playlist, checked with m3u8-parser (a parser we did not write).
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { Parser } from "m3u8-parser";
import { LocalStore } from "../src/store/local-store.js";
import { segmentKey, type InitRef } from "../src/keys.js";
import { rangePlaylist } from "../src/playback/range-playlist.js";
import { buildIframePlaylist } from "../src/playback/iframe-playlist.js";
import { CONTINUITY_TOLERANCE_MS } from "../src/playback/recordings.js";
import { hourPrefixesFor, parseTime, checkRange, InvalidTimeError } from "../src/playback/time-range.js";
import { tempDir } from "./support/media-tools.js";

interface ParsedSegment {
  map?: { uri: string; byterange?: { length: number; offset: number } };
  duration: number;
  uri: string;
  discontinuity?: boolean;
  dateTimeString?: string;
}
interface Manifest {
  segments: ParsedSegment[];
  targetDuration: number;
  playlistType?: string;
  endList?: boolean;
  independentSegments?: boolean;
  discontinuityStarts: number[];
  version: number;
}

function parse(text: string): Manifest {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as unknown as Manifest;
}

const T0 = Date.UTC(2026, 10, 25, 10, 0, 0, 0);
const NOW = Date.UTC(2027, 0, 1); // "now" after every range below, unless a test says otherwise

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
beforeEach(() => {
  dir = tempDir("ipc-hls-playlist-");
  store = new LocalStore(dir.path);
});
afterEach(() => dir.cleanup());

/** Stores empty objects under segment keys: the playlist is built from the listing alone. */
async function put(prefix: string, session: string, segments: Array<[startMs: number, durationMs: number]>, firstSeq = 0, init?: InitRef, keyframeBytes?: number) {
  for (const [i, [startMs, durationMs]] of segments.entries()) {
    await store.put(segmentKey({ prefix, startMs, durationMs, keyframeBytes, session, seq: firstSeq + i, init }), [new Uint8Array(1)]);
  }
}

/** n contiguous segments of `durationMs` from `startMs`. */
const run = (startMs: number, n: number, durationMs: number) =>
  Array.from({ length: n }, (_, i) => [startMs + i * durationMs, durationMs] as [number, number]);

const playlist = (prefix: string, startMs: number, endMs: number, now = NOW) =>
  rangePlaylist({ store, prefix, range: { startMs, endMs }, now, segmentUri: (s) => `u/${s.key}` });

describe("fMP4 in playlists", () => {
  it("EXT-X-MAP (version 6) where the init changes: a new version in a session, a new session; TS after fMP4 maps its own PAT/PMT", async () => {
    await put("c", "0000000a", run(T0, 2, 2000), 0, { codec: "avc1", version: 1 });
    await put("c", "0000000a", run(T0 + 4000, 2, 2000), 2, { codec: "avc1", version: 2 }); // new parameter sets
    await put("c", "0000000b", run(T0 + 8000, 1, 2000), 0); // a restart into TS
    await put("c", "0000000c", run(T0 + 10_000, 2, 2000), 0, { codec: "hvc1", version: 1 });
    const result = await playlist("c", T0, T0 + 60_000);
    const m = parse(result.playlist);
    expect(m.version).toBe(6);
    expect(m.segments.map((s) => s.map?.uri)).toEqual([
      "u/c/init/0000000a-avc1-v1.mp4", "u/c/init/0000000a-avc1-v1.mp4",
      "u/c/init/0000000a-avc1-v2.mp4", "u/c/init/0000000a-avc1-v2.mp4",
      m.segments[4]!.uri,
      "u/c/init/0000000c-hvc1-v1.mp4", "u/c/init/0000000c-hvc1-v1.mp4",
    ]);
    expect(m.segments[4]!.map!.byterange).toEqual({ length: 376, offset: 0 });
    expect(result.playlist.match(/#EXT-X-MAP/g)).toHaveLength(4);
    expect(m.discontinuityStarts).toEqual([2, 4, 5]);
  });

  it("the I-frame playlist maps the same way (version 5), over the entries it lists", async () => {
    await put("c", "0000000a", run(T0, 2, 2000), 0, undefined, 9000); // TS
    await put("c", "0000000b", run(T0 + 4000, 2, 2000), 0, { codec: "avc1", version: 1 }, 7000);
    await put("c", "0000000b", run(T0 + 8000, 1, 2000), 2, { codec: "avc1", version: 1 }); // no picture size: left out
    await put("c", "0000000b", run(T0 + 10_000, 1, 2000), 3, { codec: "avc1", version: 2 }, 7100);
    await put("c", "0000000c", run(T0 + 12_000, 1, 2000), 0, undefined, 9100); // back to TS
    const text = (await rangePlaylist({ store, prefix: "c", range: { startMs: T0, endMs: T0 + 60_000 }, now: NOW, segmentUri: (s) => `u/${s.key}`, build: buildIframePlaylist })).playlist;
    const m = parse(text);
    expect(m.version).toBe(5);
    expect(m.segments.map((s) => s.map?.uri)).toEqual([
      undefined, undefined,
      "u/c/init/0000000b-avc1-v1.mp4", "u/c/init/0000000b-avc1-v1.mp4",
      "u/c/init/0000000b-avc1-v2.mp4",
      m.segments[5]!.uri,
    ]);
    expect(m.segments[5]!.map!.byterange).toEqual({ length: 376, offset: 0 });
    expect(m.discontinuityStarts).toEqual([2, 4, 5]);
  });

  it("a TS-only range has no EXT-X-MAP and stays at version 3", async () => {
    await put("c", "0000000a", run(T0, 2, 2000));
    const m = parse((await playlist("c", T0, T0 + 60_000)).playlist);
    expect(m.version).toBe(3);
    expect(m.segments.every((s) => s.map === undefined)).toBe(true);
  });
});

describe("playlist for a time range", () => {
  it("is a VOD playlist whose EXTINF sum is the recorded duration, with one DISCONTINUITY and fresh PROGRAM-DATE-TIME per gap", async () => {
    await put("rec/cam1", "0000000a", run(T0, 5, 2000));
    // A 7 s gap (segments lost), same session.
    await put("rec/cam1", "0000000a", run(T0 + 17_000, 3, 2040), 8);
    const result = await playlist("rec/cam1", T0, T0 + 3_600_000);
    const m = parse(result.playlist);
    expect(m.segments).toHaveLength(8);
    expect(m.playlistType).toBe("VOD");
    expect(m.endList).toBe(true);
    expect(m.independentSegments).toBe(true);
    expect(m.targetDuration).toBe(2); // 2.04 rounds to 2 (RFC 8216 §4.3.3.1: src/media-playlist.ts)
    const total = m.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(total).toBeCloseTo((5 * 2000 + 3 * 2040) / 1000, 9);
    expect(m.discontinuityStarts).toEqual([5]);
    expect(m.segments.map((s) => s.dateTimeString).filter(Boolean)).toEqual(["2026-11-25T10:00:00.000Z", "2026-11-25T10:00:17.000Z"]);
    expect(m.segments[5].dateTimeString).toBe("2026-11-25T10:00:17.000Z");
    // Milliseconds and a zone on every PROGRAM-DATE-TIME line.
    for (const line of result.playlist.split("\n").filter((l) => l.startsWith("#EXT-X-PROGRAM-DATE-TIME:"))) {
      expect(line).toMatch(/T\d{2}:\d{2}:\d{2}\.\d{3}(Z|[+-]\d{2}:\d{2})$/);
    }
    expect(result.playlist.split("\n").filter((l) => l === "#EXT-X-DISCONTINUITY")).toHaveLength(1);
  });

  it("marks a change of session even when the time continues", async () => {
    await put("cam", "0000000a", run(T0, 2, 2000));
    await put("cam", "0000000b", run(T0 + 4000, 2, 2000));
    const m = parse((await playlist("cam", T0, T0 + 60_000)).playlist);
    expect(m.discontinuityStarts).toEqual([2]);
    expect(m.segments[2].dateTimeString).toBe("2026-11-25T10:00:04.000Z");
  });

  it(`treats ms rounding up to ${CONTINUITY_TOLERANCE_MS} ms as continuous and anything more (or an overlap) as a gap`, async () => {
    await put("cam", "0000000a", [
      [T0, 2001], // next starts 1 ms early: rounding
      [T0 + 2000, 2000],
      [T0 + 4000 + CONTINUITY_TOLERANCE_MS, 2000], // exactly the tolerance: continuous
      [T0 + 6000 + 2 * CONTINUITY_TOLERANCE_MS + 1, 2000], // 11 ms late: a gap
      [T0 + 7500, 2000], // starts before the previous one ended: a clock jump
    ]);
    const m = parse((await playlist("cam", T0, T0 + 60_000)).playlist);
    expect(m.discontinuityStarts).toEqual([3, 4]);
  });

  it("is an EVENT playlist without ENDLIST when the range reaches now", async () => {
    await put("cam", "0000000a", run(T0, 3, 2000));
    const result = await playlist("cam", T0, T0 + 3_600_000, T0 + 7000);
    expect(result.live).toBe(true);
    const m = parse(result.playlist);
    expect(m.playlistType).toBe("EVENT");
    expect(m.endList).toBeFalsy();
    expect(result.playlist).not.toContain("#EXT-X-ENDLIST");
    expect(m.segments).toHaveLength(3);
  });

  it("takes the segments overlapping the range, including one started in the previous hour, and only this camera's", async () => {
    const start = Date.UTC(2026, 10, 25, 11, 0, 0);
    await put("cam1", "0000000a", [
      [start - 4000, 2000], // ends before the range: out
      [start - 2000, 2000], // ends exactly at the start: out
      [start - 1000, 2000], // 10:59:59 → 11:00:01: in (other hour folder)
      [start + 1000, 2000],
      [start + 9000, 2000], // starts at the end: out
    ]);
    await put("cam10", "0000000b", run(start, 3, 2000)); // a camera whose name starts like ours
    await store.put("cam1/2026/11/25/11/notes.txt", [new Uint8Array(3)]); // not a segment key
    const result = await playlist("cam1", start, start + 9000);
    expect(result.segments.map((s) => s.startMs)).toEqual([start - 1000, start + 1000]);
    expect(parse(result.playlist).segments.map((s) => s.uri)).toEqual(result.segments.map((s) => `u/${s.key}`));
  });

  it("asks the store only for the hour folders the range touches", async () => {
    await put("cam", "0000000a", run(T0 + 3_600_000, 3, 2000));
    const asked: string[] = [];
    const spy = { list: (prefix: string) => (asked.push(prefix), store.list(prefix)) };
    const range = { startMs: T0 + 3_600_000 + 30 * 60_000, endMs: T0 + 3_600_000 + 90 * 60_000 }; // 11:30 → 12:30
    await rangePlaylist({ store: spy, prefix: "cam", range, now: NOW, segmentUri: (s) => s.key });
    expect(asked.sort()).toEqual(["cam/2026/11/25/11/", "cam/2026/11/25/12/"]);
  });

  it("gives a valid empty playlist when nothing is recorded", async () => {
    const result = await playlist("cam", T0, T0 + 60_000);
    const m = parse(result.playlist);
    expect(m.segments).toHaveLength(0);
    expect(m.endList).toBe(true);
    expect(Number.isInteger(m.targetDuration)).toBe(true);
  });
});

describe("time ranges", () => {
  it("parses ISO times with a zone, UTC dates and epoch ms, and nothing ambiguous", () => {
    expect(parseTime("2026-11-25T10:00:00Z")).toBe(T0);
    expect(parseTime("2026-11-25T18:00:00.000+08:00")).toBe(T0);
    expect(parseTime("2026-11-25")).toBe(Date.UTC(2026, 10, 25));
    expect(parseTime(String(T0))).toBe(T0);
    for (const bad of ["2026-11-25T10:00:00", "yesterday", "", "-5", "2026-13-45T99:00:00Z", "1e12", "2026-02-30", "2026-02-29T10:00:00Z"]) {
      expect(() => parseTime(bad), bad).toThrow(InvalidTimeError);
    }
    expect(() => checkRange(T0, T0, 1000)).toThrow(InvalidTimeError);
    expect(() => checkRange(T0, T0 + 2000, 1000)).toThrow(/too long/);
  });

  it("lists only the hour folders the range touches (plus the one a long segment may start in)", () => {
    expect(hourPrefixesFor("cam", { startMs: T0 + 5 * 60_000, endMs: T0 + 10 * 60_000 })).toEqual(["cam/2026/11/25/10/"]);
    expect(hourPrefixesFor("cam", { startMs: T0, endMs: T0 + 2 * 3_600_000 })).toEqual([
      "cam/2026/11/25/09/",
      "cam/2026/11/25/10/",
      "cam/2026/11/25/11/",
    ]);
  });
});
