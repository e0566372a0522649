// Clips: GET /cameras/<cam>/clip.mp4 (server and Lambda handler) and `ipc-hls export`, from recordings made by our
// SDK. Judged by ffmpeg (-xerror decode, per-frame MD5 of the decoded pictures) and ffprobe (codecs, duration).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync, existsSync } from "node:fs";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { promisify } from "node:util";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { createLambdaHandler } from "../src/playback/lambda.js";
import { segmentReaderFor } from "../src/playback/clip.js";
import { recordWithSdk, type RecordedKey } from "./support/recordings.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { decodeErrors, frameHashes, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";

const exec = promisify(execFile);
const HOUR = 3_600_000;
// Two hours ago at a fixed minute: a closed range that never straddles an hour folder.
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 10 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let server: Server;
let base: string;
let first: RecordedKey[];
let second: RecordedKey[];

beforeAll(async () => {
  dir = tempDir("ipc-hls-clip-");
  store = new LocalStore(join(dir.path, "store"));
  first = await recordWithSdk(store, "cam1", T);
  // A second session a minute later: a gap and restarted timestamps.
  second = await recordWithSdk(store, "cam1", T + 60_000);
  server = createReplayServer({ store, clipLimits: { maxBytes: 2 * 1024 * 1024, maxDurationMs: 60_000 } });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

/** The decoded-picture fingerprints of segments played one after the other (what a clip must hold). */
async function hashesOf(segments: RecordedKey[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const s of segments) hashes.push(...(await frameHashes(store.pathOf(s.key))));
  return hashes;
}

async function judge(file: string, segments: RecordedKey[]) {
  expect(await decodeErrors(file)).toBe("");
  const streams = await probeStreams(file, true);
  expect(streams.map((s) => s.codecName).sort()).toEqual(["aac", "h264"]);
  const video = streams.find((s) => s.codecType === "video")!;
  const audio = streams.find((s) => s.codecType === "audio")!;
  const recordedS = segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000;
  const segmentS = Math.max(...segments.map((s) => s.durationMs)) / 1000;
  expect(Math.abs(video.duration! - recordedS)).toBeLessThanOrEqual(segmentS);
  expect(Math.abs(audio.duration! - recordedS)).toBeLessThanOrEqual(segmentS);
  // Same pictures, same count, same order: copied, not re-encoded.
  expect(await frameHashes(file)).toEqual(await hashesOf(segments));
}

describe("clip.mp4", () => {
  it("remuxes the segments around the range into an MP4 that ffmpeg decodes without an error", async () => {
    // 3 s..7 s into a recording of 2 s segments: the clip starts at the boundary at 2 s and ends at 8 s.
    const res = await fetch(`${base}/cameras/cam1/clip.mp4?start=${iso(T + 3000)}&end=${iso(T + 7000)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("video/mp4");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="cam1_.*\.mp4"$/);
    const expected = first.filter((s) => s.startMs < T + 7000 && s.startMs + s.durationMs > T + 3000);
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(res.headers.get("x-clip-start")).toBe(iso(expected[0].startMs));
    const file = join(dir.path, "range.mp4");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await judge(file, expected);
  });

  it("joins two sessions across a gap: the gap is left out, the pictures are all there", async () => {
    const res = await fetch(`${base}/cameras/cam1/clip.mp4?start=${iso(T)}&end=${iso(T + 2 * 60_000)}`);
    expect(res.status).toBe(200);
    const file = join(dir.path, "both.mp4");
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    await judge(file, [...first, ...second]);
  });

  it("refuses a range over the cap with 413 and a JSON error, before reading a segment", async () => {
    let reads = 0;
    const capped = createReplayServer({ store, clipLimits: { maxBytes: 100_000, maxDurationMs: 60_000 }, readSegment: async () => (reads++, new Uint8Array()) });
    await new Promise<void>((resolve) => capped.listen(0, "127.0.0.1", resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(capped.address() as AddressInfo).port}/cameras/cam1/clip.mp4?start=${iso(T)}&end=${iso(T + 10_000)}`);
      expect(res.status).toBe(413);
      const body = await res.json();
      expect(body.error.code).toBe("clip-too-large");
      expect(body.error.message).toMatch(/at most 0\.1 MB/);
      expect(reads).toBe(0);
    } finally {
      capped.close();
    }
    // The duration cap too: the store-wide server allows 60 s, the two recordings hold 20 s; 10 s is over a 5 s cap.
    const short = createLambdaHandler({ store, clipLimits: { maxBytes: 1e9, maxDurationMs: 5000 } });
    const answer = await short({ rawPath: "/cameras/cam1/clip.mp4", rawQueryString: `start=${T}&end=${T + 10_000}`, requestContext: { http: { method: "GET" } } });
    expect(answer.statusCode).toBe(413);
  });

  it("makes two clips at a time: a third meanwhile gets 503, and is made once they are done", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const read = segmentReaderFor(store);
    let reads = 0;
    const busy = createReplayServer({ store, readSegment: async (key) => (reads++, await gate, read(key)) });
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(busy.address() as AddressInfo).port}/cameras/cam1/clip.mp4?start=${T}&end=${T + 4000}`;
      const running = [fetch(url), fetch(url)];
      while (reads < 2) await new Promise((r) => setTimeout(r, 10));
      const third = await fetch(url);
      expect(third.status).toBe(503);
      expect((await third.json()).error.code).toBe("busy");
      open();
      for (const res of await Promise.all(running)) expect(res.status).toBe(200);
      expect((await fetch(url)).status).toBe(200);
    } finally {
      busy.close();
    }
  });

  it("answers 404 for a range with nothing recorded, and for an unknown camera", async () => {
    const empty = await fetch(`${base}/cameras/cam1/clip.mp4?start=${iso(T + 30_000)}&end=${iso(T + 40_000)}`);
    expect(empty.status).toBe(404);
    expect((await empty.json()).error.code).toBe("no-recordings");
    const unknown = await fetch(`${base}/cameras/nope/clip.mp4?start=${iso(T)}&end=${iso(T + 10_000)}`);
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).error.code).toBe("unknown-camera");
  });

  it("comes base64-encoded from the Lambda handler", async () => {
    const handler = createLambdaHandler({ store });
    const answer = await handler({ rawPath: "/cameras/cam1/clip.mp4", rawQueryString: `start=${T}&end=${T + 4000}`, requestContext: { http: { method: "GET" } } });
    expect(answer.statusCode).toBe(200);
    expect(answer.isBase64Encoded).toBe(true);
    const file = join(dir.path, "lambda.mp4");
    writeFileSync(file, Buffer.from(answer.body, "base64"));
    await judge(file, first.filter((s) => s.startMs < T + 4000));
  });
});

describe("ipc-hls export", () => {
  const cli = (args: string[]) =>
    exec("node", [join(repoRoot, "bin/ipc-hls"), "export", ...args]).then(
      (r) => ({ code: 0, ...r }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
    );

  it("writes the range as an MP4", async () => {
    const out = join(dir.path, "export.mp4");
    const r = await cli(["--store", store.root, "--prefix", "cam1", "--from", iso(T), "--to", iso(T + 10_000), out]);
    expect(r.stderr).toMatch(/export\.mp4: 5 segments, 10\.0 s/);
    expect(r.code).toBe(0);
    await judge(out, first);
  });

  it("reads an S3 bucket (MinIO): the same MP4 from the same segments", async () => {
    const bucket = await freshBucket("clip");
    const s3 = referenceClient();
    for (const s of first) await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `site/${s.key}`, Body: readFileSync(store.pathOf(s.key)) }));
    const out = join(dir.path, "from-s3.mp4");
    const m = minio();
    const r = await exec("node", [join(repoRoot, "bin/ipc-hls"), "export", "--bucket", bucket, "--endpoint", m.endpoint, "--path-style", "--region", m.region, "--prefix", "site/cam1", "--from", iso(T), "--to", iso(T + 10_000), out], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey },
    });
    expect(r.stderr).toMatch(/5 segments/);
    await judge(out, first);
  });

  it("exits 1 with one line over the cap, and writes nothing", async () => {
    const out = join(dir.path, "big.mp4");
    const r = await cli(["--store", store.root, "--prefix", "cam1", "--from", iso(T), "--to", iso(T + 2 * 60_000), "--max-mb", "0.5", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/at most 0\.5 MB.*--max-mb/);
    expect(existsSync(out)).toBe(false);
  });

  it("exits 1 when nothing was recorded in the range", async () => {
    const r = await cli(["--store", store.root, "--prefix", "cam1", "--from", iso(T + 30_000), "--to", iso(T + 40_000), join(dir.path, "none.mp4")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nothing recorded/);
  });

  it("exits 2 for a usage mistake", async () => {
    const r = await cli(["--prefix", "cam1", "--from", iso(T), "--to", iso(T + 1000), join(dir.path, "x.mp4")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--store <dir> or --bucket/);
  });
});


