// The core tells how many bytes of each segment hold its first picture and the SDK puts that number in the key, so a
// thumbnail or an I-frame playlist needs one ranged GET. TS: PAT, PMT, the IDR's PES; those bytes alone must decode
// to exactly one picture (ffmpeg -xerror) and end where the PES ends. fMP4 (H.264 and H.265): the moof, the mdat
// header and the samples up to the end of the first video sample; joined to the init segment they must decode to
// one picture, the one ffmpeg decodes first from the whole segment, and end where the box reader says that sample ends.
import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalStore } from "../src/store/local-store.js";
import { initKeyOf, parseSegmentKey } from "../src/keys.js";
import { recordWithSdk, type SdkSource } from "./support/recordings.js";
import { decodedVideoFrames, decodeErrors, decodeErrorsOfCutFragment, frameHashes, tempDir } from "./support/media-tools.js";
import { readFragment, readInit } from "./support/mp4-inspect.js";

const PACKET = 188;
const pid = (bytes: Uint8Array, packet: number) => ((bytes[packet * PACKET + 1]! & 0x1f) << 8) | bytes[packet * PACKET + 2]!;
const startsPayload = (bytes: Uint8Array, packet: number) => (bytes[packet * PACKET + 1]! & 0x40) !== 0;

describe("keyframe bytes in the segment key", () => {
  it("the first keyframeBytes of every SDK segment decode to one picture and end where its IDR ends", async () => {
    const dir = tempDir("ipc-hls-keyframe-");
    try {
      const store = new LocalStore(join(dir.path, "store"));
      const keys = await recordWithSdk(store, "cam", Date.UTC(2026, 10, 25, 19, 0, 0), "0000abcd");
      expect(keys.length).toBeGreaterThanOrEqual(4);
      for (const { key } of keys) {
        const n = parseSegmentKey(key)!.keyframeBytes!;
        const whole = new Uint8Array(await readFile(join(dir.path, "store", key)));
        expect(n, key).toBeGreaterThan(3 * PACKET);
        expect(n % PACKET, key).toBe(0);
        expect(n, key).toBeLessThan(whole.length);
        // Packets 0 and 1 are PAT and PMT; packet 2 starts the IDR's PES; the last packet kept is still the IDR's,
        // and the next one is not (another stream, or the next picture's PES).
        const videoPid = pid(whole, 2);
        expect(startsPayload(whole, 2)).toBe(true);
        expect(pid(whole, n / PACKET - 1), key).toBe(videoPid);
        const next = n / PACKET;
        expect(pid(whole, next) !== videoPid || startsPayload(whole, next), key).toBe(true);
        const head = join(dir.path, "head.ts");
        await writeFile(head, whole.subarray(0, n));
        expect(await decodeErrors(head), key).toBe("");
        const frames = await decodedVideoFrames(head);
        expect(frames.map((f) => f.pictType), key).toEqual(["I"]);
      }
    } finally {
      dir.cleanup();
    }
  });
});

describe.each([
  { codec: "H.264", source: undefined },
  { codec: "H.265", source: { video: "video/hevc-bframes-320x240-25fps.h265", hevc: true, segmentDuration: 0.4 } },
] as { codec: string; source?: SdkSource }[])("keyframe bytes of $codec fMP4 segments", ({ source }) => {
  it("the first keyframeBytes of every SDK segment, after its init segment, decode to its first picture and end with its first video sample", async () => {
    const dir = tempDir("ipc-hls-keyframe-fmp4-");
    try {
      const root = join(dir.path, "store");
      const keys = await recordWithSdk(new LocalStore(root), "cam", Date.UTC(2026, 10, 25, 19, 0, 0), "0000abce", "fmp4", source);
      expect(keys.length).toBeGreaterThanOrEqual(4);
      for (const { key } of keys) {
        const fields = parseSegmentKey(key)!;
        const n = fields.keyframeBytes!;
        const init = new Uint8Array(await readFile(join(root, initKeyOf(fields)!)));
        const whole = new Uint8Array(await readFile(join(root, key)));
        expect(n, key).toBeLessThan(whole.length);
        // The range ends where the video track's first sample ends (wherever audio sits in the mdat).
        const videoTrack = [...readInit(init)].find(([, t]) => t.handler === "vide")![0];
        const fragment = readFragment(whole);
        const firstRun = fragment.trafs.find((t) => t.track === videoTrack)!.runs[0]!;
        expect(n, key).toBe(fragment.moofStart + firstRun.dataOffset + firstRun.samples[0]!.size);
        expect(firstRun.samples[0]!.flags! & 0x10000, "the first video sample is sync").toBe(0);
        const head = join(dir.path, "head.mp4");
        const full = join(dir.path, "full.mp4");
        await writeFile(head, Buffer.concat([init, whole.subarray(0, n)]));
        await writeFile(full, Buffer.concat([init, whole]));
        expect(await decodeErrorsOfCutFragment(head), key).toBe("");
        expect((await decodedVideoFrames(head)).map((f) => f.pictType), key).toEqual(["I"]);
        expect(await frameHashes(head), key).toEqual((await frameHashes(full)).slice(0, 1));
      }
    } finally {
      dir.cleanup();
    }
  });
});
