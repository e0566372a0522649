// `ipc-hls record rtsp://…` against GStreamer's RTSP server (not ours) into MinIO: every segment decodes, the
// pictures are the ones ffmpeg's own RTSP client records from the same server, audio is there and in sync; the
// camera dies and comes back 5 s later: record reconnects, the playlist over the whole range marks the gap and
// plays through it in ffmpeg, nothing is lost; a wrong password gives one line (password never printed) and
// retries with backoff (and ends with exit code 1: nothing recorded); SIGINT ends with a summary and exit code 0.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { Parser } from "m3u8-parser";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { decodeErrors, ffmpegRtspRecording, frameHashes, probeStreams, tempDir } from "./support/media-tools.js";
import { startRtspServer, type TestRtspServer } from "./support/rtsp-server.js";
import { parseSegmentKey } from "../src/keys.js";
import { buildPlaylist } from "../src/playback/playlist.js";
import { markDiscontinuities } from "../src/playback/recordings.js";
import { expectLossyUdpRecording, startRecord } from "./support/record-run.js";

const tmp = tempDir("record-rtsp-");
let server: TestRtspServer;
beforeAll(async () => {
  server = await startRtspServer();
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function listKeys(bucket: string): Promise<string[]> {
  const listed = await referenceClient().send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key!).sort();
}

async function download(bucket: string, key: string, file: string): Promise<void> {
  const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  writeFileSync(file, await got.Body!.transformToByteArray());
}

async function waitForObjects(bucket: string, count: number): Promise<void> {
  while ((await listKeys(bucket)).length < count) await sleep(250);
}

describe("ipc-hls record rtsp://", () => {
  it("records H.264 + AAC into MinIO, the same pictures as ffmpeg's recording; reconnects after the camera dies; SIGINT → summary, exit 0", async () => {
    const m = minio();
    const bucket = await freshBucket("rec-rtsp");
    const url = server.url("/av");
    // ffmpeg's own recording of the same stream: a session of its own, before ours (the server starts every session
    // at frame 0, and two at once on a busy machine may see different frames dropped by the live test source).
    const reference = join(tmp.path, "reference.ts");
    await ffmpegRtspRecording(url, 10, reference);
    const record = startRecord([url, "--name", "gate", "--bucket", bucket, "--endpoint", m.endpoint, "--path-style"]);

    await waitForObjects(bucket, 7); // ≈ 14 s
    const port = server.port;
    await server.stop(); // the camera loses power
    await sleep(5000);
    server = await startRtspServer({ port });
    const before = (await listKeys(bucket)).length;
    await waitForObjects(bucket, before + 3);
    record.child.kill("SIGINT");
    const code = await record.exited;
    const { stdout, stderr } = record.output;

    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/gate: recording: H\.264 \+ AAC 48000 Hz 2 ch from rtsp:\/\/127\.0\.0\.1:\d+\/av/);
    expect(stdout).toMatch(/gate: reconnected: H\.264 \+ AAC/);
    expect(stderr).toMatch(/gate: disconnected/);
    const summary = /segments: +(\d+) made, (\d+) uploaded, 0 lost/.exec(stdout);
    expect(summary, stdout).not.toBeNull();
    const keys = await listKeys(bucket);
    // Counts exact: every segment made was uploaded, and is in the bucket.
    expect(Number(summary![1])).toBe(keys.length);
    expect(Number(summary![2])).toBe(keys.length);
    expect(Number(/reconnects: (\d+)/.exec(stdout)![1])).toBeGreaterThanOrEqual(1);

    const files: string[] = [];
    for (const [i, key] of keys.entries()) {
      const file = join(tmp.path, `seg-${String(i).padStart(3, "0")}.ts`);
      await download(bucket, key, file);
      files.push(file);
      expect(await decodeErrors(file), key).toBe("");
      const streams = await probeStreams(file);
      expect(streams.map((s) => s.codecType).sort(), key).toEqual(["audio", "video"]);
      // In sync: each segment's audio starts within one frame (40 ms) of its video.
      const video = streams.find((s) => s.codecType === "video")!;
      const audio = streams.find((s) => s.codecType === "audio")!;
      expect(Math.abs(audio.startTime! - video.startTime!), key).toBeLessThan(0.04);
    }

    // One session, a gap, then another: the playlist over the whole range marks the discontinuity there.
    const fileOf = new Map(keys.map((key, i) => [key, files[i]!]));
    const recorded = markDiscontinuities(keys.map((key) => ({ key, ...parseSegmentKey(key)!, size: 0 })));
    const gapsAt = recorded.flatMap((s, i) => (i > 0 && s.discontinuity ? [i] : []));
    expect(gapsAt).toHaveLength(1);
    const playlist = buildPlaylist(recorded.map((segment) => ({ segment, uri: fileOf.get(segment.key)!.slice(tmp.path.length + 1) })), { live: false });
    const parser = new Parser();
    parser.push(playlist);
    parser.end();
    expect(parser.manifest.segments.filter((s: { discontinuity?: boolean }) => s.discontinuity)).toHaveLength(1);
    const playlistFile = join(tmp.path, "whole.m3u8");
    writeFileSync(playlistFile, playlist);
    expect(await decodeErrors(playlistFile)).toBe("");

    // The same pictures as ffmpeg's recording: both sessions start at the server's frame 0 (with a constant
    // quantizer, every session gets the same bits), so the first session's frames hash the same, frame for frame.
    const firstSession = gapsAt[0]!;
    const concat = join(tmp.path, "first-session.ts");
    writeFileSync(concat, Buffer.concat(recorded.slice(0, firstSession).map((s) => readFileSync(fileOf.get(s.key)!) as Uint8Array)));
    const ours = await frameHashes(concat);
    const theirs = await frameHashes(reference);
    expect(Math.abs(theirs.length - 250)).toBeLessThanOrEqual(2); // ffmpeg -t 10
    const common = Math.min(ours.length, theirs.length);
    expect(ours.slice(0, common)).toEqual(theirs.slice(0, common));
    // Frame count: the first session's segments hold 25 frames a second of their duration.
    const durationMs = recorded.slice(0, firstSession).reduce((sum, s) => sum + s.durationMs, 0);
    expect(Math.abs(ours.length - (durationMs / 1000) * 25)).toBeLessThanOrEqual(1);
  }, 120_000);

  it("a wrong password: one line naming the refusal (password masked), retried with backoff; the password is never printed", async () => {
    const auth = await startRtspServer({ user: "admin", password: "right-pass-31" });
    try {
      const wrong = "wrong-pass-8f3c";
      const dir = join(tmp.path, "auth");
      const record = startRecord([auth.url("/av", { user: "admin", password: wrong }), "--name", "door", "--store", dir]);
      while (!/refused/.test(record.output.stderr)) await sleep(100);
      await sleep(4000); // a few attempts
      record.child.kill("SIGINT");
      const code = await record.exited;
      const { stdout, stderr } = record.output;
      expect(code).toBe(1); // nothing recorded because of an error: a failure, with its reason in the summary
      expect(stdout).toMatch(/door: FAILED: nothing recorded: .*user or password refused \(401/);
      const refusals = stderr.split("\n").filter((l) => /door: .*user or password refused \(401/.test(l));
      expect(refusals, stderr).toHaveLength(1);
      expect(refusals[0]).toContain("rtsp://admin:***@127.0.0.1");
      expect(Number(/reconnects: (\d+)/.exec(stdout)![1])).toBeGreaterThanOrEqual(1);
      expect(stdout + stderr).not.toContain(wrong);
    } finally {
      await auth.stop();
    }
  }, 30_000);

  it("RTP over UDP with 1 % of the packets lost: damaged frames are dropped and counted, every stored segment decodes, every picture is one the camera sent", async () => {
    await expectLossyUdpRecording(server.url("/lossy"), server.url("/video"), join(tmp.path, "lossy"), "H.264", 3);
  }, 60_000);
});
