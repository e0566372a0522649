// fMP4 recordings through the SDK into MinIO and back out as playlists. Judged by tools we did not write: the AWS
// SDK reads the bucket back (every counted segment is there, each init object too), ffmpeg -v error -xerror decodes
// each segment joined to its init object and the range playlist through its own HLS client, m3u8-parser reads the
// playlists (EXT-X-MAP, EXT-X-VERSION, discontinuities).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { Parser } from "m3u8-parser";
import { HlsRecorder } from "../src/sdk.js";
import { S3Store } from "../src/store/s3-store.js";
import { initKeyOf, parseInitKey, parseSegmentKey } from "../src/keys.js";
import { rangePlaylist } from "../src/playback/range-playlist.js";
import { planClip, remuxToMp4, segmentReaderFor } from "../src/playback/clip.js";
import { feedRawStreams, VIDEO_CHUNK } from "../src/raw-feed.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { fixtureFacts, fixturePath, tempDir } from "./support/media-tools.js";
import { recordWithSdk } from "./support/recordings.js";
import { createLambdaHandler } from "../src/playback/lambda.js";
import { createReplayServer } from "../src/playback/server.js";
import type { AddressInfo } from "node:net";
import { readdirSync } from "node:fs";
import { startRecord } from "./support/record-run.js";

const exec = promisify(execFile);
const VIDEO = "video/av-1280x720-25fps.h264";
const dir = tempDir("ipc-hls-fmp4-store-");
afterAll(() => dir.cleanup());

interface Manifest {
  version?: number;
  segments: Array<{ uri: string; duration: number; discontinuity?: boolean; map?: { uri: string; byterange?: { length: number; offset: number } } }>;
  discontinuityStarts: number[];
}

function parse(text: string): Manifest {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as unknown as Manifest;
}

async function getObject(s3: S3Client, bucket: string, key: string): Promise<Buffer> {
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return Buffer.from(await answer.Body!.transformToByteArray());
}

async function listAll(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
    for (const o of page.Contents ?? []) keys.push(o.Key!);
    token = page.NextContinuationToken;
  } while (token);
  return keys;
}

/** ffmpeg -v error -xerror decodes the file's video: the frames it decoded and what it said on stderr. */
async function decode(file: string, inputArgs: string[] = []): Promise<{ frames: number; stderr: string }> {
  const { stdout, stderr } = await exec("ffmpeg", ["-nostdin", "-v", "error", "-xerror", ...inputArgs, "-i", file, "-map", "0:v:0", "-f", "framecrc", "-"], { maxBuffer: 64 << 20 });
  return { frames: stdout.split("\n").filter((line) => /^\d+,/.test(line)).length, stderr };
}
const HTTP = ["-protocol_whitelist", "file,http,tcp"];

async function* chunks(bytes: Uint8Array) {
  for (let at = 0; at < bytes.byteLength; at += VIDEO_CHUNK) yield bytes.subarray(at, at + VIDEO_CHUNK);
}

function s3Store(bucket: string): S3Store {
  const m = minio();
  return new S3Store({
    location: { bucket, region: m.region, endpoint: m.endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
  });
}

describe("fMP4 recordings in S3", () => {
  let bucket: string;
  const s3 = referenceClient();
  const startMs = Date.UTC(2026, 10, 25, 10, 59, 30); // the recording crosses an hour folder
  let made = 0;
  const loops = 12;

  beforeAll(async () => {
    bucket = await freshBucket("fmp4");
    // Defaults but the ring: an input several times larger than it, fed as a file is (whenWritable before each put).
    const bufferSize = 256 * 1024;
    const m = minio();
    let clock = startMs;
    const recorder = new HlsRecorder({
      bufferSize, region: m.region, bucket, endpoint: m.endpoint, forcePathStyle: true, prefix: "site/cam1", container: "fmp4",
      credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }, session: "0f0f0f01", now: () => clock++,
    });
    const dropped: string[] = [];
    recorder.on("segment-dropped", (d) => dropped.push(d.reason));
    await recorder.start();
    recorder.startRawStreams(25);
    const video = new Uint8Array(readFileSync(fixturePath(VIDEO)));
    expect(video.byteLength * loops).toBeGreaterThan(5 * bufferSize);
    for (let loop = 0; loop < loops; loop++) {
      if (loop > 0) recorder.rewindRawStreams();
      await feedRawStreams(recorder, chunks(video), undefined);
    }
    const stats = await recorder.close({ deadlineMs: 60_000 });
    expect(dropped).toEqual([]);
    expect(stats.videoFramesIn).toBe(loops * fixtureFacts()[VIDEO]!.frames);
    expect(stats.videoFramesDropped).toBe(0);
    expect(stats.segmentsDropped + stats.segmentsUncertain).toBe(0);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    made = stats.segmentsMade;
  }, 180_000);

  it("the bucket holds every counted segment as .m4s, and the init object each one names", async () => {
    const keys = await listAll(s3, bucket, "site/cam1/");
    const segments = keys.filter((k) => k.endsWith(".m4s"));
    expect(made).toBeGreaterThanOrEqual(loops * 2);
    expect(segments).toHaveLength(made);
    expect(keys.filter((k) => k.endsWith(".ts"))).toEqual([]);
    const inits = keys.filter((k) => parseInitKey(k));
    expect(inits).toEqual(["site/cam1/init/0f0f0f01-avc1-v1.mp4"]);
    for (const key of segments) expect(initKeyOf(parseSegmentKey(key)!)).toBe(inits[0]);
    const head = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: inits[0] }));
    expect(head.Metadata?.codecs).toMatch(/^avc1\./);
    expect(head.ContentType).toBe("video/mp4");
  });

  it("each segment joined to its init object decodes under ffmpeg -xerror", async () => {
    const keys = (await listAll(s3, bucket, "site/cam1/")).filter((k) => k.endsWith(".m4s"));
    const init = await getObject(s3, bucket, "site/cam1/init/0f0f0f01-avc1-v1.mp4");
    let frames = 0;
    for (const [i, key] of keys.entries()) {
      const joined = join(dir.path, `joined-${i}.mp4`);
      writeFileSync(joined, Buffer.concat([init, await getObject(s3, bucket, key)]));
      const decoded = await decode(joined);
      expect(decoded.stderr, key).toBe("");
      frames += decoded.frames;
    }
    expect(frames).toBe(loops * fixtureFacts()[VIDEO]!.frames);
  }, 120_000);

  it("the range playlist (presigned URLs) has EXT-X-MAP at version 6 and ffmpeg's HLS client decodes it whole", async () => {
    const store = s3Store(bucket);
    try {
      // A range that starts after the hour the init object was first used in: found by its key alone.
      const range = { startMs: Date.UTC(2026, 10, 25, 11, 0, 0), endMs: startMs + 3_600_000 };
      const result = await rangePlaylist({ store, prefix: "site/cam1", range, now: startMs + 7_200_000, segmentUri: async (s) => (await store.presign(s.key, 600)).url });
      expect(result.segments.length).toBeGreaterThan(0);
      expect(result.segments.length).toBeLessThan(made);
      const m = parse(result.playlist);
      expect(m.version).toBe(6);
      expect(result.playlist.match(/#EXT-X-MAP/g)).toHaveLength(1);
      expect(m.discontinuityStarts).toEqual([]);
      for (const s of m.segments) expect(new URL(s.map!.uri).pathname).toBe(`/${bucket}/site/cam1/init/0f0f0f01-avc1-v1.mp4`);
      const file = join(dir.path, "range.m3u8");
      writeFileSync(file, result.playlist);
      const decoded = await decode(file, HTTP);
      expect(decoded.stderr).toBe("");
      const seconds = result.segments.reduce((sum, s) => sum + s.durationMs, 0) / 1000;
      expect(Math.abs(decoded.frames - seconds * 25)).toBeLessThanOrEqual(1);
    } finally {
      store.close();
    }
  }, 120_000);

  it("a range with a TS session then an fMP4 session: a discontinuity and an EXT-X-MAP at each change", async () => {
    const store = s3Store(bucket);
    try {
      const t0 = Date.UTC(2026, 10, 26, 8, 0, 0);
      await recordWithSdk(store, "site/mixed", t0, "0000000a");
      await recordWithSdk(store, "site/mixed", t0 + 20_000, "0000000b", "fmp4");
      await recordWithSdk(store, "site/mixed", t0 + 40_000, "0000000c");
      const result = await rangePlaylist({ store, prefix: "site/mixed", range: { startMs: t0, endMs: t0 + 60_000 }, now: t0 + 3_600_000, segmentUri: async (s) => (await store.presign(s.key, 600)).url });
      const m = parse(result.playlist);
      expect(m.version).toBe(6);
      const sessions = result.segments.map((s) => s.session);
      const firstFmp4 = sessions.indexOf("0000000b");
      const backToTs = sessions.indexOf("0000000c");
      expect(m.discontinuityStarts).toEqual([firstFmp4, backToTs]);
      expect(m.segments.slice(0, firstFmp4).every((s) => s.map === undefined)).toBe(true);
      expect(new URL(m.segments[firstFmp4]!.map!.uri).pathname).toMatch(/\/site\/mixed\/init\/0000000b-avc1-v1\.mp4$/);
      // The TS after fMP4 names its own PAT and PMT as its map (else the fMP4 map would apply to it).
      expect(m.segments[backToTs]!.map!.byterange).toEqual({ length: 376, offset: 0 });
      expect(m.segments[backToTs]!.map!.uri).toBe(m.segments[backToTs]!.uri);
      // (ffmpeg's HLS client probes the container once per playlist, so it cannot judge a mixed one; hls.js,
      // which switches at the discontinuity, plays one in test/browser-e2e.test.ts.)
    } finally {
      store.close();
    }
  }, 120_000);

  it("the Lambda handler and `serve` on the bucket answer fMP4 playlists whose init and segments ffmpeg decodes", async () => {
    const store = s3Store(bucket);
    const server = createReplayServer({ store, prefix: "site" });
    try {
      const from = new Date(startMs).toISOString();
      const to = new Date(startMs + 20_000).toISOString();
      const handler = createLambdaHandler({ store, prefix: "site" });
      const answer = await handler({ rawPath: "/cameras/cam1/playlist.m3u8", rawQueryString: `start=${from}&end=${to}`, requestContext: { http: { method: "GET" } } });
      expect(answer.statusCode).toBe(200);
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const text of [answer.body, await (await fetch(`${base}/cameras/cam1/playlist.m3u8?start=${from}&end=${to}`)).text()]) {
        const m = parse(text);
        expect(m.version).toBe(6);
        expect(m.segments.length).toBeGreaterThan(0);
        const file = join(dir.path, "served.m3u8");
        writeFileSync(file, text);
        const decoded = await decode(file, HTTP);
        expect(decoded.stderr).toBe("");
        expect(decoded.frames).toBe(Math.round(m.segments.reduce((sum, seg) => sum + seg.duration, 0) * 25)); // 25 fps
      }
    } finally {
      store.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);

  it("the clip of an fMP4 range is one MP4 that ffmpeg decodes whole", async () => {
    const store = s3Store(bucket);
    try {
      const plan = await planClip(store, "site/mixed", { startMs: Date.UTC(2026, 10, 26, 8, 0, 20), endMs: Date.UTC(2026, 10, 26, 8, 0, 30) });
      expect(plan.segments.every((s) => s.initKey !== undefined)).toBe(true);
      const mp4 = await remuxToMp4(plan.segments, segmentReaderFor(store));
      const file = join(dir.path, "clip.mp4");
      writeFileSync(file, mp4);
      const decoded = await decode(file);
      expect(decoded.stderr).toBe("");
      expect(decoded.frames).toBe(250);
    } finally {
      store.close();
    }
  }, 60_000);
});

describe("ipc-hls record --container fmp4", () => {
  it("records a file at camera pace into a directory as an init segment and .m4s segments that decode joined", async () => {
    const out = join(dir.path, "record-store");
    const run = startRecord([fixturePath("sample/sample-640x360-25fps.h264"), "--realtime", "--fps", "25", "--name", "garage", "--store", out, "--container", "fmp4"]);
    expect(await run.exited, run.output.stderr).toBe(0);
    const files = readdirSync(join(out, "garage"), { recursive: true }) as string[];
    const inits = files.filter((f) => parseInitKey(`garage/${f}`));
    const segments = files.filter((f) => f.endsWith(".m4s")).sort();
    expect(inits).toHaveLength(1);
    expect(segments.length).toBeGreaterThanOrEqual(4);
    expect(files.filter((f) => f.endsWith(".ts"))).toEqual([]);
    const init = readFileSync(join(out, "garage", inits[0]!));
    let frames = 0;
    for (const [i, name] of segments.entries()) {
      expect(initKeyOf(parseSegmentKey(`garage/${name}`)!)).toBe(`garage/${inits[0]}`);
      const joined = join(dir.path, `record-${i}.mp4`);
      writeFileSync(joined, Buffer.concat([init, readFileSync(join(out, "garage", name))]));
      const decoded = await decode(joined);
      expect(decoded.stderr, name).toBe("");
      frames += decoded.frames;
    }
    expect(frames).toBe(250);
  }, 60_000);
});
