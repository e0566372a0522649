// The replay page's logic that needs no browser, run in Node: where a click on the timeline plays from, how an
// I-frame playlist is read, and the page's own TS demuxer, whose output ffmpeg must decode as one H.264 picture.
import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
// @ts-expect-error: the page's modules are plain JavaScript without type declarations
import { recordedTimeNear } from "../web/timeline.js";
// @ts-expect-error: as above
import { parseIframePlaylist } from "../web/thumbnails.js";
// @ts-expect-error: as above
import { firstPicture, avcCodecString } from "../web/ts-picture.js";
import { LocalStore } from "../src/store/local-store.js";
import { parseSegmentKey } from "../src/keys.js";
import { recordWithSdk } from "./support/recordings.js";
import { decodedVideoFrames, decodeErrors, tempDir } from "./support/media-tools.js";

describe("a click on the timeline", () => {
  const spans = [
    { startMs: 10_000, endMs: 20_000 },
    { startMs: 50_000, endMs: 60_000 },
  ];
  it("plays from the time clicked inside a span, the nearest recorded time within the snap, else the next span", () => {
    expect(recordedTimeNear(spans, 15_000, 500)).toBe(15_000);
    expect(recordedTimeNear(spans, 9_700, 500)).toBe(10_000); // just before a span: its start
    expect(recordedTimeNear(spans, 20_300, 500)).toBe(18_000); // just after: its last 2 s
    expect(recordedTimeNear(spans, 30_000, 500)).toBe(50_000); // in a gap: the next span
    expect(recordedTimeNear(spans, 49_800, 500)).toBe(50_000);
    expect(recordedTimeNear(spans, 70_000, 500)).toBeUndefined(); // nothing after
    expect(recordedTimeNear([], 70_000, 500)).toBeUndefined();
  });
});

describe("I-frame playlist reading", () => {
  it("takes each entry's date-time, duration, byte range and URL (resolved against the playlist)", () => {
    const text = [
      "#EXTM3U", "#EXT-X-VERSION:4", "#EXT-X-I-FRAMES-ONLY",
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T19:00:00.000Z", "#EXTINF:2.000,", "#EXT-X-BYTERANGE:48128@0", "segments/2026/11/25/19/a.ts",
      "#EXT-X-DISCONTINUITY",
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T19:00:30.000Z", "#EXTINF:1.960,", "#EXT-X-BYTERANGE:376@0", "https://bucket.example/b.ts?X-Amz-Signature=x",
      "#EXT-X-ENDLIST", "",
    ].join("\n");
    expect(parseIframePlaylist(text, "http://h/cameras/c/iframes.m3u8?start=1&end=2")).toEqual([
      { wallMs: Date.UTC(2026, 10, 25, 19), durationMs: 2000, bytes: 48128, url: "http://h/cameras/c/segments/2026/11/25/19/a.ts" },
      { wallMs: Date.UTC(2026, 10, 25, 19, 0, 30), durationMs: 1960, bytes: 376, url: "https://bucket.example/b.ts?X-Amz-Signature=x" },
    ]);
  });
});

describe("the page's TS demuxer", () => {
  it("takes the first picture out of a segment's keyframeBytes as Annex B that ffmpeg decodes to one I picture", async () => {
    const dir = tempDir("ipc-hls-page-ts-");
    try {
      const store = new LocalStore(join(dir.path, "store"));
      const keys = await recordWithSdk(store, "cam", Date.UTC(2026, 10, 25, 19), "0000abcd");
      for (const { key } of keys.slice(0, 3)) {
        const n = parseSegmentKey(key)!.keyframeBytes!;
        const head = new Uint8Array(await readFile(join(dir.path, "store", key))).subarray(0, n);
        const annexB: Uint8Array = firstPicture(head);
        expect(annexB, key).toBeDefined();
        expect(avcCodecString(annexB)).toMatch(/^avc1\.[0-9a-f]{6}$/);
        const file = join(dir.path, "picture.h264");
        await writeFile(file, annexB);
        expect(await decodeErrors(file)).toBe("");
        expect((await decodedVideoFrames(file)).map((f) => f.pictType)).toEqual(["I"]);
        // Cut inside the PAT: no picture, and no exception.
        expect(firstPicture(head.subarray(0, 100))).toBeUndefined();
      }
      expect(firstPicture(new Uint8Array(376).fill(0xff))).toBeUndefined(); // not TS at all
    } finally {
      dir.cleanup();
    }
  });
});
