// The core tells how many bytes of each segment hold its first picture (PAT, PMT, the IDR) and the SDK puts that
// number in the key, so a thumbnail or an I-frame playlist needs one ranged GET: those bytes alone must decode to
// exactly one picture (ffmpeg -xerror), and they must end where the IDR's PES ends.
import { describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LocalStore } from "../src/store/local-store.js";
import { parseSegmentKey } from "../src/keys.js";
import { recordWithSdk } from "./support/recordings.js";
import { decodedVideoFrames, decodeErrors, tempDir } from "./support/media-tools.js";

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
