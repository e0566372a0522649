// The object key layout that uploads and playback share.
import { describe, expect, test } from "vitest";
import { segmentKey, parseSegmentKey, hourPrefix, newSessionId, normalizePrefix, initKey, initKeyOf, parseInitKey, sampleEntryOf } from "../src/keys.js";

describe("segment keys", () => {
  const startMs = Date.UTC(2026, 10, 25, 19, 36, 42, 711);

  test("UTC date folders, start to the millisecond, duration, session and sequence", () => {
    const key = segmentKey({ prefix: "front-door", startMs, durationMs: 2000, session: "f286e9c2", seq: 7 });
    expect(key).toBe("front-door/2026/11/25/19/36-42.711_2000ms_f286e9c2-000007.ts");
    expect(parseSegmentKey(key)).toEqual({ prefix: "front-door", startMs, durationMs: 2000, session: "f286e9c2", seq: 7 });
  });

  test("the first picture's length rides in the key; keys without it (the earlier layout) still parse", () => {
    const key = segmentKey({ prefix: "front-door", startMs, durationMs: 2000, keyframeBytes: 48128, session: "f286e9c2", seq: 7 });
    expect(key).toBe("front-door/2026/11/25/19/36-42.711_2000ms_i48128_f286e9c2-000007.ts");
    expect(parseSegmentKey(key)).toEqual({ prefix: "front-door", startMs, durationMs: 2000, keyframeBytes: 48128, session: "f286e9c2", seq: 7 });
    expect(parseSegmentKey("front-door/2026/11/25/19/36-42.711_2000ms_f286e9c2-000007.ts")?.keyframeBytes).toBeUndefined();
    for (const bad of ["c/2026/11/25/19/36-42.711_2000ms_i_abcdef01-000001.ts", "c/2026/11/25/19/36-42.711_2000ms_ix1_abcdef01-000001.ts"]) {
      expect(parseSegmentKey(bad), bad).toBeUndefined();
    }
  });

  test("prefixes are normalised; an empty prefix puts the date folders at the root", () => {
    expect(normalizePrefix("/cams/front/")).toBe("cams/front");
    expect(segmentKey({ prefix: "", startMs, durationMs: 1999.6, session: "00000000", seq: 0 })).toBe("2026/11/25/19/36-42.711_2000ms_00000000-000000.ts");
    expect(hourPrefix("/cams/front/", startMs)).toBe("cams/front/2026/11/25/19/");
  });

  test("keys sort in time order, across minutes, hours and days", () => {
    const starts = [startMs, startMs + 1, startMs + 59_000, startMs + 3_600_000, startMs + 86_400_000 * 40];
    const keys = starts.map((ms, seq) => segmentKey({ prefix: "c", startMs: ms, durationMs: 2000, session: "abcdef01", seq }));
    expect([...keys].sort()).toEqual(keys);
  });

  test("two segments in the same millisecond never share a key", () => {
    const a = segmentKey({ prefix: "c", startMs, durationMs: 2000, session: newSessionId(), seq: 1 });
    const b = segmentKey({ prefix: "c", startMs, durationMs: 2000, session: newSessionId(), seq: 1 });
    expect(a).not.toBe(b);
  });

  test("anything else is not a segment key", () => {
    for (const key of ["c/2026/11/25/19/index.m3u8", "c/2026/11/25/19/36-42.711_2000ms_XYZ-000001.ts", "c/2026/1/25/19/36-42.711_2000ms_abcdef01-000001.ts"]) {
      expect(parseSegmentKey(key), key).toBeUndefined();
    }
    expect(newSessionId()).toMatch(/^[0-9a-f]{8}$/);
  });

  test("fMP4: .m4s keys name the codec and init version; the init key follows from them", () => {
    const key = segmentKey({ prefix: "cams/door", startMs, durationMs: 2000, session: "f286e9c2", seq: 7, init: { codec: "avc1", version: 2 } });
    expect(key).toBe("cams/door/2026/11/25/19/36-42.711_2000ms_f286e9c2-000007_avc1-v2.m4s");
    const fields = parseSegmentKey(key)!;
    expect(fields).toEqual({ prefix: "cams/door", startMs, durationMs: 2000, session: "f286e9c2", seq: 7, init: { codec: "avc1", version: 2 } });
    expect(initKeyOf(fields)).toBe("cams/door/init/f286e9c2-avc1-v2.mp4");
    expect(parseInitKey("cams/door/init/f286e9c2-avc1-v2.mp4")).toEqual({ prefix: "cams/door", session: "f286e9c2", codec: "avc1", version: 2 });
    expect(initKey("", "00000000", { codec: "hvc1", version: 1 })).toBe("init/00000000-hvc1-v1.mp4");
    expect(initKeyOf(parseSegmentKey("cams/door/2026/11/25/19/36-42.711_2000ms_f286e9c2-000007.ts")!)).toBeUndefined();
    expect(sampleEntryOf("hvc1.1.6.L93.B0,mp4a.40.2")).toBe("hvc1");
    // Their first picture's size too (moof, mdat header, samples up to the first video one's end), as TS keys.
    const withPicture = segmentKey({ prefix: "cams/door", startMs, durationMs: 2000, keyframeBytes: 31337, session: "f286e9c2", seq: 7, init: { codec: "hvc1", version: 1 } });
    expect(withPicture).toBe("cams/door/2026/11/25/19/36-42.711_2000ms_i31337_f286e9c2-000007_hvc1-v1.m4s");
    expect(parseSegmentKey(withPicture)).toMatchObject({ keyframeBytes: 31337, seq: 7, init: { codec: "hvc1", version: 1 } });
    for (const bad of ["c/2026/11/25/19/36-42.711_2000ms_abcdef01-000001_avc1-v.m4s", "c/2026/11/25/19/36-42.711_2000ms_abcdef01-000001.m4s", "c/init/abcdef01-avc1-v1.ts"]) {
      expect(parseSegmentKey(bad) ?? parseInitKey(bad), bad).toBeUndefined();
    }
  });
});
