// The replay page's logic that needs no browser, run in Node: where a click on the timeline plays from, how an
// I-frame playlist is read, the page's own TS demuxer, whose output ffmpeg must decode as one H.264 picture, and its
// fMP4 reader (init segment → codec string and avcC/hvcC; I-frame range → first video sample), whose output, as
// Annex B, ffmpeg must decode to the segment's first picture (H.264 and H.265).
import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
// @ts-expect-error: the page's modules are plain JavaScript without type declarations
import { recordedTimeNear } from "../web/timeline.js";
// @ts-expect-error: as above
import { parseIframePlaylist } from "../web/thumbnails.js";
// @ts-expect-error: as above
import { firstPicture, avcCodecString } from "../web/ts-picture.js";
// @ts-expect-error: as above
import { initVideoTrack, firstSample, isFragment } from "../web/fmp4-picture.js";
import { LocalStore } from "../src/store/local-store.js";
import { initKeyOf, parseSegmentKey } from "../src/keys.js";
import { recordWithSdk, type SdkSource } from "./support/recordings.js";
import { decodedVideoFrames, decodeErrors, frameHashes, probeStreams, tempDir } from "./support/media-tools.js";
import { nalUnitsOf, readHvcC } from "./support/mp4-inspect.js";

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

describe("I-frame playlist reading, fMP4", () => {
  it("gives each entry the EXT-X-MAP in force, resolved against the playlist; a TS map after it too", () => {
    const text = [
      "#EXTM3U", "#EXT-X-VERSION:5", "#EXT-X-I-FRAMES-ONLY",
      '#EXT-X-MAP:URI="segments/init/0000000a-avc1-v1.mp4"',
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T19:00:00.000Z", "#EXTINF:2.000,", "#EXT-X-BYTERANGE:9000@0", "segments/2026/11/25/19/a.m4s",
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T19:00:02.000Z", "#EXTINF:2.000,", "#EXT-X-BYTERANGE:9100@0", "segments/2026/11/25/19/b.m4s",
      "#EXT-X-DISCONTINUITY",
      '#EXT-X-MAP:URI="segments/2026/11/25/19/c.ts",BYTERANGE="376@0"',
      "#EXT-X-PROGRAM-DATE-TIME:2026-11-25T19:00:30.000Z", "#EXTINF:2.000,", "#EXT-X-BYTERANGE:48128@0", "segments/2026/11/25/19/c.ts",
      "#EXT-X-ENDLIST", "",
    ].join("\n");
    const entries = parseIframePlaylist(text, "http://h/cameras/c/iframes.m3u8?start=1&end=2");
    expect(entries.map((e: { map?: string; bytes: number }) => [e.map, e.bytes])).toEqual([
      ["http://h/cameras/c/segments/init/0000000a-avc1-v1.mp4", 9000],
      ["http://h/cameras/c/segments/init/0000000a-avc1-v1.mp4", 9100],
      ["http://h/cameras/c/segments/2026/11/25/19/c.ts", 48128],
    ]);
  });
});

/** Annex B: the parameter sets of an avcC record, each after a start code. */
function avcCParameterSets(avcC: Uint8Array): Uint8Array[] {
  const sets: Uint8Array[] = [];
  let at = 5;
  for (const countMask of [0x1f, 0xff]) {
    const count = avcC[at++]! & countMask;
    for (let i = 0; i < count; i++) {
      const length = (avcC[at]! << 8) | avcC[at + 1]!;
      sets.push(avcC.subarray(at + 2, at + 2 + length));
      at += 2 + length;
    }
  }
  return sets;
}

const START_CODE = new Uint8Array([0, 0, 0, 1]);

describe.each([
  { codec: "H.264", extension: "h264", source: undefined },
  { codec: "H.265", extension: "hevc", source: { video: "video/hevc-bframes-320x240-25fps.h265", hevc: true, segmentDuration: 0.4 } },
] as { codec: string; extension: string; source?: SdkSource }[])("the page's fMP4 reader, $codec", ({ codec, extension, source }) => {
  it("reads the codec string and configuration from the init segment and the first video sample from each I-frame range", async () => {
    const dir = tempDir("ipc-hls-page-fmp4-");
    try {
      const root = join(dir.path, "store");
      const keys = await recordWithSdk(new LocalStore(root), "cam", Date.UTC(2026, 10, 25, 19), "0000abcf", "fmp4", source);
      const init = new Uint8Array(await readFile(join(root, initKeyOf(parseSegmentKey(keys[0]!.key)!)!)));
      const track = initVideoTrack(init) as { trackId: number; codec: string; description: Uint8Array };
      expect(track).toBeDefined();
      const parameterSets = codec === "H.264"
        ? avcCParameterSets(track.description)
        : readHvcC(init).arrays.flatMap((a) => a.units.map((hex) => new Uint8Array(Buffer.from(hex, "hex"))));
      for (const { key } of keys.slice(0, 3)) {
        const n = parseSegmentKey(key)!.keyframeBytes!;
        const whole = new Uint8Array(await readFile(join(root, key)));
        const range = whole.subarray(0, n);
        expect(isFragment(range)).toBe(true);
        const sample: Uint8Array = firstSample(range, track.trackId);
        expect(sample, key).toBeDefined();
        const annexB = join(dir.path, `picture.${extension}`);
        await writeFile(annexB, Buffer.concat([...parameterSets, ...nalUnitsOf(sample)].flatMap((unit) => [START_CODE, unit])));
        expect(await decodeErrors(annexB), key).toBe("");
        expect((await decodedVideoFrames(annexB)).map((f) => f.pictType), key).toEqual(["I"]);
        const joined = join(dir.path, "joined.mp4");
        await writeFile(joined, Buffer.concat([init, whole]));
        expect(await frameHashes(annexB), key).toEqual((await frameHashes(joined)).slice(0, 1));
        // The codec string as ffprobe reads the stream: profile and level (RFC 6381; ISO/IEC 14496-15 E.3).
        const stream = (await probeStreams(joined))[0]!;
        if (codec === "H.264") {
          const profileIdc = { "Constrained Baseline": 0x42, Main: 0x4d, High: 0x64 }[stream.profile!]!;
          expect(track.codec).toBe(`avc1.${profileIdc.toString(16)}${track.codec.slice(7, 9)}${stream.level!.toString(16).padStart(2, "0")}`);
        } else {
          expect(stream.profile).toBe("Main");
          expect(track.codec).toMatch(new RegExp(`^hvc1\\.1\\.6\\.L${stream.level}(\\.[0-9A-F]{1,2}){0,6}$`));
        }
        // Cut before the sample ends, or inside the moof: no sample, and no exception.
        expect(firstSample(range.subarray(0, n - 1), track.trackId)).toBeUndefined();
        expect(firstSample(range.subarray(0, 20), track.trackId)).toBeUndefined();
        expect(firstSample(range, track.trackId + 7)).toBeUndefined();
      }
      expect(initVideoTrack(init.subarray(0, init.length - 9))).toBeUndefined();
      expect(isFragment(new Uint8Array(376).fill(0x47))).toBe(false);
      expect(firstSample(new Uint8Array(376).fill(0xff), 1)).toBeUndefined();
    } finally {
      dir.cleanup();
    }
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
