// The I-frame playlist (EXT-X-I-FRAMES-ONLY, EXT-X-BYTERANGE n@0) of a range, built from the listing alone, and the
// segment route's Range support that it (and the page's thumbnails) rely on. Judged by m3u8-parser and by ffmpeg
// reading the playlist over HTTP: every entry must decode to one I picture. fMP4 recordings (H.264 and H.265, made
// by the SDK): EXT-X-MAP names the init segment (version 5), and each entry's range fetched over HTTP after its
// map decodes to one I picture, the one ffmpeg decodes first from the whole segment.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { promisify } from "node:util";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Parser } from "m3u8-parser";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { parseSegmentKey, segmentKey } from "../src/keys.js";
import { recordWithSdk, type RecordedKey } from "./support/recordings.js";
import { decodedVideoFrames, decodeErrors, decodeErrorsOfCutFragment, frameHashes, tempDir } from "./support/media-tools.js";
import { writeFile } from "node:fs/promises";

const run = promisify(execFile);
const T = Date.UTC(2026, 10, 25, 19, 0, 0);
let dir: ReturnType<typeof tempDir>;
let server: Server;
let base: string;
let first: RecordedKey[];
let second: RecordedKey[];
let oldLayoutKey: string;
const fmp4Keys: Record<string, RecordedKey[]> = {};

beforeAll(async () => {
  dir = tempDir("ipc-hls-iframes-");
  const root = join(dir.path, "store");
  const store = new LocalStore(root);
  first = await recordWithSdk(store, "cam", T, "0000000a");
  const end = first[first.length - 1].startMs + first[first.length - 1].durationMs;
  second = await recordWithSdk(store, "cam", end + 30_000, "0000000b");
  // A segment stored under the earlier key layout (no keyframe bytes): it plays, but has no I-frame entry.
  const f = parseSegmentKey(second[0].key)!;
  oldLayoutKey = segmentKey({ ...f, keyframeBytes: undefined, startMs: end + 120_000, session: "0000000c", seq: 0 });
  mkdirSync(dirname(join(root, oldLayoutKey)), { recursive: true });
  copyFileSync(join(root, second[0].key), join(root, oldLayoutKey));
  fmp4Keys["fcam"] = await recordWithSdk(store, "fcam", T, "0000001a", "fmp4");
  fmp4Keys["hcam"] = await recordWithSdk(store, "hcam", T, "0000001b", "fmp4", { video: "video/hevc-bframes-320x240-25fps.h265", hevc: true, segmentDuration: 0.4 });
  server = createReplayServer({ store });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

const range = `start=${new Date(T - 60_000).toISOString()}&end=${new Date(T + 3_600_000).toISOString()}`;

describe("I-frame playlist", () => {
  it("lists each segment's first picture as a byte range, with its time and the gap", async () => {
    const res = await fetch(`${base}/cameras/cam/iframes.m3u8?${range}`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const parser = new Parser();
    parser.push(text);
    parser.end();
    const m = parser.manifest as {
      iFramesOnly?: boolean;
      version?: number;
      endList?: boolean;
      segments: Array<{ uri: string; duration: number; byterange?: { length: number; offset: number }; discontinuity?: boolean; dateTimeObject?: Date }>;
    };
    expect(m.iFramesOnly).toBe(true);
    expect(m.version).toBe(4);
    expect(m.endList).toBe(true);
    const keys = [...first, ...second];
    expect(m.segments).toHaveLength(keys.length); // the old-layout segment is left out
    m.segments.forEach((s, i) => {
      expect(s.byterange).toEqual({ length: parseSegmentKey(keys[i].key)!.keyframeBytes, offset: 0 });
      expect(s.dateTimeObject?.getTime()).toBe(keys[i].startMs);
      expect(s.duration).toBeCloseTo(keys[i].durationMs / 1000, 3);
      expect(Boolean(s.discontinuity)).toBe(i === first.length);
    });
    expect(text).not.toContain(oldLayoutKey.split("/").pop());
  });

  it("ffmpeg reads it and decodes one I picture per entry", async () => {
    const d = tempDir("ipc-hls-iframes-out-");
    try {
      const out = join(d.path, "iframes.ts");
      // Not -xerror here: byte ranges cut a session's TS where its continuity counters run on, so the demuxer
      // flags each picture but the last as "corrupt" (a counter jump). That is the only complaint allowed; the
      // pictures themselves must then decode cleanly (and each range alone does: keyframe-bytes.test.ts).
      const { stderr } = await run("ffmpeg", ["-nostdin", "-v", "error", "-i", `${base}/cameras/cam/iframes.m3u8?${range}`, "-map", "0:v", "-c", "copy", "-f", "mpegts", out]);
      const complaints = stderr.split("\n").filter((line) => line.trim() && !/Packet corrupt \(stream = 0|corrupt input packet in stream 0|Last message repeated/.test(line));
      expect(complaints).toEqual([]);
      expect(await decodeErrors(out)).toBe("");
      const frames = await decodedVideoFrames(out);
      expect(frames.map((f) => f.pictType)).toEqual(Array(first.length + second.length).fill("I"));
    } finally {
      d.cleanup();
    }
  });

  it("the segment route answers a Range with 206 and just those bytes; a range past the end gets 416", async () => {
    const key = first[1].key;
    const n = parseSegmentKey(key)!.keyframeBytes!;
    const url = `${base}/cameras/cam/segments/${key.slice("cam/".length)}`;
    const whole = new Uint8Array(await (await fetch(url)).arrayBuffer());
    const res = await fetch(url, { headers: { range: `bytes=0-${n - 1}` } });
    expect(res.status).toBe(206);
    expect(res.headers.get("content-range")).toBe(`bytes 0-${n - 1}/${whole.length}`);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(whole.subarray(0, n));
    const tail = await fetch(url, { headers: { range: "bytes=-188" } });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(whole.subarray(whole.length - 188));
    const past = await fetch(url, { headers: { range: `bytes=${whole.length}-` } });
    expect(past.status).toBe(416);
    expect(past.headers.get("content-range")).toBe(`bytes */${whole.length}`);
    await past.arrayBuffer();
    const plain = await fetch(url);
    expect(plain.status).toBe(200);
    expect(plain.headers.get("accept-ranges")).toBe("bytes");
    await plain.arrayBuffer();
  });
});

interface ParsedIframes {
  iFramesOnly?: boolean;
  version?: number;
  segments: Array<{ uri: string; byterange?: { length: number; offset: number }; map?: { uri: string }; dateTimeObject?: Date }>;
}

describe.each([
  { camera: "fcam", codec: "H.264" },
  { camera: "hcam", codec: "H.265" },
])("I-frame playlist of an $codec fMP4 recording", ({ camera }) => {
  it("names the init segment (EXT-X-MAP, version 5); each range after it decodes to the segment's first picture", async () => {
    const url = `${base}/cameras/${camera}/iframes.m3u8?${range}`;
    const text = await (await fetch(url)).text();
    const parser = new Parser();
    parser.push(text);
    parser.end();
    const m = parser.manifest as unknown as ParsedIframes;
    expect(m.iFramesOnly).toBe(true);
    expect(m.version).toBe(5);
    expect(text.match(/#EXT-X-MAP:/g)).toHaveLength(1); // one session, one init segment
    const keys = fmp4Keys[camera]!;
    expect(keys.length).toBeGreaterThanOrEqual(4);
    expect(m.segments).toHaveLength(keys.length);
    const d = tempDir("ipc-hls-iframes-fmp4-");
    try {
      for (const [i, s] of m.segments.entries()) {
        const n = parseSegmentKey(keys[i]!.key)!.keyframeBytes!;
        expect(s.byterange).toEqual({ length: n, offset: 0 });
        expect(s.dateTimeObject?.getTime()).toBe(keys[i]!.startMs);
        const get = async (uri: string, headers?: Record<string, string>) => new Uint8Array(await (await fetch(new URL(uri, url), { headers })).arrayBuffer());
        const init = await get(s.map!.uri);
        const picture = await get(s.uri, { range: `bytes=0-${n - 1}` });
        expect(picture.length).toBe(n);
        const head = join(d.path, "entry.mp4");
        const whole = join(d.path, "whole.mp4");
        await writeFile(head, Buffer.concat([init, picture]));
        await writeFile(whole, Buffer.concat([init, await get(s.uri)]));
        expect(await decodeErrorsOfCutFragment(head), s.uri).toBe("");
        expect((await decodedVideoFrames(head)).map((f) => f.pictType), s.uri).toEqual(["I"]);
        expect(await frameHashes(head), s.uri).toEqual((await frameHashes(whole)).slice(0, 1));
      }
    } finally {
      d.cleanup();
    }
  });
});
