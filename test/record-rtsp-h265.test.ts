// `ipc-hls record rtsp://…` from an H.265 camera: GStreamer's RTSP server (not ours) serving x265 over RFC 7798
// (rtph265pay) + AAC, with the parameter sets in band before every IRAP, and with them in the SDP only (sprop-vps,
// sprop-sps, sprop-pps; in band only in the very first frame), and an MP4 file's HEVC whose parameter sets are in
// the SDP only, never in band (so nothing decodes unless they are put before the IRAPs). Every segment decodes
// under ffmpeg -xerror, and the pictures are the ones ffmpeg's own RTSP client records from the same server. An
// MJPEG camera is refused with one line naming the codec, and the camera stops (no retry loop).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { decodeErrors, ffmpegRtspRecording, frameHashes, probeStreams, tempDir } from "./support/media-tools.js";
import { startRtspServer, type TestRtspServer } from "./support/rtsp-server.js";
import { expectLossyUdpRecording, startRecord } from "./support/record-run.js";
import { directorySegments, fetchedSegments, joinedRecording, playableFiles, type StoredSegments } from "./support/stored-segments.js";

const tmp = tempDir("record-rtsp-h265-");
let server: TestRtspServer;
beforeAll(async () => {
  server = await startRtspServer();
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ffmpeg's own recording of `seconds` of the stream (a session of its own, before ours: see record-rtsp.test.ts). */
async function ffmpegRecording(path: string, seconds: number, from = server): Promise<string> {
  return ffmpegRtspRecording(from.url(path), seconds, join(tmp.path, `reference${path.replace(/\//g, "-")}.ts`));
}

/**
 * Every segment is fMP4 (H.265's default container), decodes cleanly joined to its init object and holds HEVC video
 * and AAC audio; the first session's pictures are ffmpeg's.
 */
async function expectSameAsFfmpeg(stored: StoredSegments, reference: string): Promise<void> {
  expect(stored.keys.length).toBeGreaterThanOrEqual(3);
  expect(stored.keys.filter((k) => !k.endsWith(".m4s"))).toEqual([]);
  const dir = mkdtempSync(join(tmp.path, "playable-"));
  for (const file of playableFiles(stored, dir)) {
    expect(await decodeErrors(file), file).toBe("");
    const streams = await probeStreams(file);
    expect(streams.map((s) => `${s.codecType}:${s.codecName}`).sort(), file).toEqual(["audio:aac", "video:hevc"]);
  }
  const ours = await frameHashes(joinedRecording(stored, join(dir, "joined.mp4")));
  const theirs = await frameHashes(reference);
  const common = Math.min(ours.length, theirs.length);
  expect(common).toBeGreaterThanOrEqual(150); // ≥ 6 s at 25 frames/s
  expect(ours.slice(0, common)).toEqual(theirs.slice(0, common));
}

describe("ipc-hls record rtsp:// from an H.265 camera", () => {
  it("parameter sets in band: records H.265 + AAC into MinIO, the same pictures as ffmpeg's recording; SIGINT → exit 0", async () => {
    const m = minio();
    const bucket = await freshBucket("rec-h265");
    const reference = await ffmpegRecording("/h265", 10);
    const record = startRecord([server.url("/h265"), "--name", "yard", "--bucket", bucket, "--endpoint", m.endpoint, "--path-style"]);
    const listKeys = async () => ((await referenceClient().send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key!).sort();
    while ((await listKeys()).length < 4) await sleep(250); // ≈ 8 s
    record.child.kill("SIGINT");
    const code = await record.exited;
    const { stdout, stderr } = record.output;
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/yard: recording: H\.265 \+ AAC 48000 Hz 2 ch from rtsp:\/\/127\.0\.0\.1:\d+\/h265/);
    expect(stdout).toMatch(/segments: +\d+ made, \d+ uploaded, 0 lost/);
    const objects = new Map<string, Uint8Array>();
    for (const key of await listKeys()) {
      const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      objects.set(key, await got.Body!.transformToByteArray());
    }
    await expectSameAsFfmpeg(fetchedSegments(objects), reference);
  }, 90_000);

  it("parameter sets in the SDP only (sprop-vps/sps/pps): put before the IRAPs; every segment decodes alone", async () => {
    const reference = await ffmpegRecording("/h265-sdp", 10);
    const dir = join(tmp.path, "sdp-only");
    const record = startRecord([server.url("/h265-sdp"), "--name", "porch", "--store", dir]);
    while (!/porch: recording: H\.265/.test(record.output.stdout)) await sleep(100);
    await sleep(9000);
    record.child.kill("SIGINT");
    const code = await record.exited;
    expect(code, record.output.stderr).toBe(0);
    await expectSameAsFfmpeg(directorySegments(dir), reference);
  }, 90_000);

  it("parameter sets never in band (an MP4's hvcC → the SDP only): put before every IRAP; all the file's pictures", async () => {
    // libx265 into MP4 (global headers): VPS/SPS/PPS in the hvcC box only, no sample carries them.
    const mp4 = join(tmp.path, "hvc1.mp4");
    execFileSync("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "6", "-c:v", "libx265", "-preset", "ultrafast",
      "-x265-params", "keyint=25:min-keyint=25:bframes=0:log-level=error", "-tag:v", "hvc1", "-pix_fmt", "yuv420p", mp4]);
    const fileServer = await startRtspServer({ hevcFile: mp4 });
    try {
      const pictures = await frameHashes(mp4);
      expect(pictures).toHaveLength(150);
      expect(await frameHashes(await ffmpegRecording("/h265-file", 10, fileServer))).toEqual(pictures);
      const dir = join(tmp.path, "hvc1");
      const record = startRecord([fileServer.url("/h265-file"), "--name", "file-cam", "--store", dir]);
      // The file ends after 6 s: the session ends (and the camera would play it again after its backoff).
      while (!/file-cam: disconnected/.test(record.output.stderr)) await sleep(200);
      record.child.kill("SIGINT");
      expect(await record.exited, record.output.stderr).toBe(0);
      const stored = directorySegments(dir);
      expect(stored.keys.length).toBeGreaterThanOrEqual(3);
      const playable = mkdtempSync(join(tmp.path, "hvc1-"));
      for (const file of playableFiles(stored, playable)) expect(await decodeErrors(file), file).toBe("");
      expect((await frameHashes(joinedRecording(stored, join(playable, "joined.mp4")))).slice(0, 150)).toEqual(pictures);
    } finally {
      await fileServer.stop();
    }
  }, 90_000);

  it("RTP over UDP with 1 % of the packets lost: damaged frames dropped and counted, every stored segment decodes, every picture is one the camera sent", async () => {
    await expectLossyUdpRecording(server.url("/h265-lossy"), server.url("/h265"), join(tmp.path, "h265-lossy"), "H.265", 2);
  }, 60_000);

  it("an MJPEG camera is refused with one line naming the codec, and the camera stops (no retries)", async () => {
    const dir = join(tmp.path, "mjpeg");
    const record = startRecord([server.url("/mjpeg"), "--name", "old-cam", "--store", dir]);
    const code = await record.exited; // it ends by itself: nothing else to record
    const { stderr } = record.output;
    expect(code).toBe(1);
    const lines = stderr.split("\n").filter((l) => /old-cam: /.test(l));
    expect(lines, stderr).toHaveLength(1);
    expect(lines[0]).toMatch(/the camera's video is MJPEG \(JPEG\/90000, RTP payload 26\), which ipc-hls cannot record \(it records H\.264 and H\.265\); this camera stops/);
  }, 30_000);
});
