// HlsRecorder end to end: fixture frames in (as a camera hands them over, split in two parts), segments in MinIO
// out, read back with the AWS SDK client and compared byte for byte with the output of a separate MuxerCore fed
// the same frames; keys, metadata and tags checked; an upload outage longer than the buffer drops whole segments
// with exact counts.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectCommand, GetObjectTaggingCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { HlsRecorder, type HlsRecorderOptions, type SegmentDroppedEvent } from "../src/sdk.js";
import { MuxerCore } from "../src/core.js";
import { parseSegmentKey } from "../src/keys.js";
import type { UploadedInfo, RetryInfo } from "../src/uploader.js";
import { accessUnits } from "./support/annexb.js";
import { decodeErrors, fixturePath, rawTimestampsUs, tempDir } from "./support/media-tools.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";
import { assumeRole } from "./support/minio-sts.js";
import { adtsFrames } from "./support/adts.js";
import { LocalStore } from "../src/store/local-store.js";
import { S3AuthError } from "../src/s3/errors.js";

interface Frame {
  kind: "video" | "audio";
  bytes: Uint8Array;
  ptsUs: number;
  dtsUs: number;
}

/** Video and audio frames of a fixture pair, interleaved in decode-time order (video first on a tie). */
async function fixtureFrames(video: string, fps: number, audio?: string, sampleRate = 48_000): Promise<Frame[]> {
  const data = new Uint8Array(readFileSync(fixturePath(video)));
  const { ptsUs, dtsUs } = await rawTimestampsUs(fixturePath(video), fps);
  const frames: Frame[] = accessUnits(data).map((bytes, i) => ({ kind: "video", bytes, ptsUs: ptsUs[i]!, dtsUs: dtsUs[i]! }));
  if (audio) {
    adtsFrames(new Uint8Array(readFileSync(fixturePath(audio)))).forEach((bytes, i) => {
      const t = Math.round((i * 1024 * 1e6) / sampleRate);
      frames.push({ kind: "audio", bytes, ptsUs: t, dtsUs: t });
    });
  }
  return frames.sort((a, b) => a.dtsUs - b.dtsUs || (a.kind === "video" ? -1 : 1));
}

/** A camera encoder's ring wraps: hand each frame over in two parts. */
const split = (bytes: Uint8Array) => [bytes.subarray(0, bytes.length >> 1), bytes.subarray(bytes.length >> 1)];

/** What a MuxerCore makes from the same frames, by segment sequence number (copies). */
async function referenceSegments(frames: Frame[], bufferSize: number): Promise<Map<number, Buffer>> {
  const core = await MuxerCore.create({ bufferSize, audio: frames.some((f) => f.kind === "audio") });
  const out = new Map<number, Buffer>();
  const drain = () => {
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      out.set(s.seq, Buffer.concat(s.parts.map((p) => Buffer.from(p)) as unknown as Uint8Array[]));
      core.release(s.id);
    }
  };
  for (const f of frames) {
    if (f.kind === "video") core.putVideo([f.bytes], f.ptsUs, f.dtsUs);
    else core.putAudio([f.bytes], f.ptsUs);
    drain();
  }
  core.flush();
  drain();
  return out;
}

async function storedObjects(bucket: string) {
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out = new Map<string, { bytes: Buffer; metadata: Record<string, string> }>();
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.set(o.Key!, { bytes: Buffer.from(await got.Body!.transformToByteArray()), metadata: got.Metadata ?? {} });
  }
  return out;
}

function record(recorder: HlsRecorder) {
  const uploaded: UploadedInfo[] = [];
  const dropped: SegmentDroppedEvent[] = [];
  const retries: RetryInfo[] = [];
  const errors: Error[] = [];
  recorder.on("segment-uploaded", (i) => uploaded.push(i));
  recorder.on("segment-dropped", (d) => dropped.push(d));
  recorder.on("retry", (r) => retries.push(r));
  recorder.on("error", (e) => errors.push(e));
  return { uploaded, dropped, retries, errors };
}

const tmp = tempDir("sdk-recorder-");

/** A recorder uploading to the test MinIO through the fault proxy, with short backoffs. */
function recorderBehindProxy(bucket: string, options: Pick<HlsRecorderOptions, "bufferSize" | "audio" | "overflowPolicy">): HlsRecorder {
  const m = minio();
  return new HlsRecorder({
    ...options,
    region: m.region,
    bucket,
    endpoint: proxy.endpoint,
    forcePathStyle: true,
    credentials: { accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey },
    retryBackoff: { baseMs: 5, capMs: 20 },
  });
}

/** Every stored object decodes alone with ffmpeg -v error -xerror (nothing printed). */
async function expectEachDecodes(stored: Map<string, { bytes: Buffer }>, label: string): Promise<void> {
  for (const [key, object] of stored) {
    const file = join(tmp.path, `${label}-${key.replace(/\//g, "_")}`);
    writeFileSync(file, object.bytes as unknown as Uint8Array);
    expect(await decodeErrors(file), key).toBe("");
  }
}
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(minio().endpoint);
});
afterAll(async () => {
  await proxy.close();
  tmp.cleanup();
});

describe("HlsRecorder → MinIO", () => {
  it("uploads every segment once, byte-identical to the core's output, with the documented keys, metadata and tags", async () => {
    const bucket = await freshBucket("rec");
    const m = minio();
    const frames = await fixtureFrames("video/av-1280x720-25fps.h264", 25, "audio/aac-lc-48000-mono.aac");
    const reference = await referenceSegments(frames, 4 * 1024 * 1024);

    // audio: true lists the audio track from the first segment on, although the first video frame comes first.
    const recorder = new HlsRecorder({ bufferSize: 4 * 1024 * 1024, audio: true, region: m.region, bucket, prefix: "/site-7/cam-1/", endpoint: m.endpoint, forcePathStyle: true });
    recorder.setCredentials(m.accessKeyId, m.secretAccessKey);
    recorder.setTags({ camera: "cam-1", site: "site 7" });
    const events = record(recorder);
    await recorder.start();
    for (const f of frames) {
      const reason =
        f.kind === "video"
          ? recorder.putVideoFrame({ parts: split(f.bytes), timestampUs: f.ptsUs, decodeTimestampUs: f.dtsUs })
          : recorder.putAudioFrame(f.bytes, f.ptsUs);
      expect(reason).toBeUndefined();
    }
    const stats = await recorder.close({ deadlineMs: 30_000 });

    expect(reference.size).toBeGreaterThanOrEqual(2);
    expect(stats.segmentsMade).toBe(reference.size);
    expect(stats.segmentsUploaded).toBe(reference.size);
    expect(stats.segmentsDropped).toBe(0);
    expect(stats.videoFramesIn).toBe(frames.filter((f) => f.kind === "video").length);
    expect(stats.audioFramesIn).toBe(frames.filter((f) => f.kind === "audio").length);
    expect(stats.bufferHighWater).toBeGreaterThan(0);
    expect(events.errors).toEqual([]);

    const stored = await storedObjects(bucket);
    expect(stored.size).toBe(reference.size);
    let previousEnd: number | undefined;
    for (const info of [...events.uploaded].sort((a, b) => a.seq - b.seq)) {
      const object = stored.get(info.key)!;
      expect(object.bytes.equals(reference.get(info.seq)!)).toBe(true);
      const fields = parseSegmentKey(info.key)!;
      expect(fields).toMatchObject({ prefix: "site-7/cam-1", session: recorder.session, seq: info.seq });
      expect(fields.durationMs).toBe(Number(object.metadata["duration-ms"]));
      expect(new Date(fields.startMs).toISOString()).toBe(object.metadata.start);
      expect(object.metadata.codecs).toMatch(/^avc1\.64001f,mp4a\.40\.2$/);
      expect([object.metadata.width, object.metadata.height]).toEqual(["1280", "720"]);
      // Consecutive segments: each starts where the previous one ended (within a millisecond of rounding).
      if (previousEnd !== undefined) expect(Math.abs(fields.startMs - previousEnd)).toBeLessThanOrEqual(1);
      previousEnd = fields.startMs + fields.durationMs;
      const tagging = await referenceClient().send(new GetObjectTaggingCommand({ Bucket: bucket, Key: info.key }));
      expect(Object.fromEntries(tagging.TagSet!.map((t) => [t.Key, t.Value]))).toEqual({ camera: "cam-1", site: "site 7" });
    }
    // ffmpeg decodes every uploaded segment without an error.
    await expectEachDecodes(stored, "uploaded");
  });

  it("an outage longer than the buffer drops whole segments (drop-oldest) with exact counts, and uploads the rest", async () => {
    const bucket = await freshBucket("outage");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25, "sample/sample-48000-mono.aac");
    proxy.setScript(() => ({ status: 503, code: "ServiceUnavailable" }));
    // About three segments of this clip fit in the buffer.
    const recorder = recorderBehindProxy(bucket, { bufferSize: 188 * 1800, audio: true });
    const events = record(recorder);
    await recorder.start();
    let videoFrames = 0;
    for (const f of frames) {
      if (f.kind === "video") {
        recorder.putVideoFrame(f.bytes, f.ptsUs, f.dtsUs);
        // Let the uploader run (and fail) between frames, as it would between a camera's frames.
        if (++videoFrames % 5 === 0) await new Promise((r) => setTimeout(r, 1));
      } else recorder.putAudioFrame(f.bytes, f.ptsUs);
    }
    const failedBeforeRecovery = events.retries.length;
    proxy.setScript(() => "pass");
    const stats = await recorder.close({ deadlineMs: 30_000 });

    const overflow = events.dropped.filter((d) => d.reason === "buffer-overflow");
    expect(failedBeforeRecovery).toBeGreaterThan(0);
    expect(overflow.length).toBeGreaterThan(0);
    expect(events.dropped).toEqual(overflow); // nothing lost for any other reason
    expect(stats.segmentsDroppedOverflow).toBe(overflow.length);
    expect(stats.segmentsUploaded).toBe(events.uploaded.length);
    expect(stats.segmentsUploaded + overflow.length).toBe(stats.segmentsMade);
    expect(stats.retries).toBe(events.retries.length);

    // What reached MinIO is exactly what the recorder reported uploaded, and no dropped sequence number.
    const stored = await storedObjects(bucket);
    expect([...stored.keys()].sort()).toEqual(events.uploaded.map((u) => u.key).sort());
    const droppedSeqs = new Set(overflow.map((d) => d.seq));
    for (const key of stored.keys()) expect(droppedSeqs.has(parseSegmentKey(key)!.seq)).toBe(false);
    // Dropped and uploaded segments together cover every sequence number once.
    const allSeqs = [...overflow.map((d) => d.seq), ...events.uploaded.map((u) => u.seq)].sort((a, b) => a - b);
    expect(allSeqs).toEqual(Array.from({ length: stats.segmentsMade }, (_, i) => i));
    for (const d of overflow) expect(parseSegmentKey(d.key!)!.seq).toBe(d.seq);
    await expectEachDecodes(stored, "outage");
  });

  it("drop-new: during an outage new frames are refused until the next IDR, no segment is lost, and all decode", async () => {
    const bucket = await freshBucket("dropnew");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25);
    proxy.setScript(() => ({ status: 503, code: "SlowDown" }));
    const recorder = recorderBehindProxy(bucket, { bufferSize: 188 * 1800, overflowPolicy: "drop-new" });
    const events = record(recorder);
    await recorder.start();
    const reasons = new Map<string, number>();
    for (const [i, f] of frames.entries()) {
      const reason = recorder.putVideoFrame(f.bytes, f.ptsUs, f.dtsUs);
      if (reason) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
      if (i % 5 === 4) await new Promise((r) => setTimeout(r, 1));
    }
    proxy.setScript(() => "pass");
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(reasons.get("buffer-full")).toBeGreaterThan(0);
    expect(stats.videoFramesDropped).toBe([...reasons.values()].reduce((a, b) => a + b, 0));
    expect(events.dropped).toEqual([]);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    const stored = await storedObjects(bucket);
    expect(stored.size).toBe(stats.segmentsMade);
    await expectEachDecodes(stored, "dropnew");
  });

  it("wrong secret: typed auth errors, segments kept; setCredentials with temporary keys uploads them all", async () => {
    const bucket = await freshBucket("rec-auth");
    const m = minio();
    const frames = await fixtureFrames("video/baseline-320x240-25fps.h264", 25);
    const wrong = "definitely-not-the-secret-1234";
    const recorder = new HlsRecorder({ bufferSize: 4 << 20, region: m.region, bucket, endpoint: m.endpoint, forcePathStyle: true });
    recorder.setCredentials(m.accessKeyId, wrong);
    const events = record(recorder);
    const firstError = new Promise<Error>((resolve) => recorder.once("error", resolve));
    await recorder.start();
    for (const f of frames) recorder.putVideoFrame(f.bytes, f.ptsUs, f.dtsUs);
    const err = await firstError;
    expect(err).toBeInstanceOf(S3AuthError);
    expect(`${err.message} ${err.stack}`).not.toContain(wrong);
    expect(events.uploaded).toEqual([]);
    expect((await storedObjects(bucket)).size).toBe(0);

    const temporary = await assumeRole();
    recorder.setCredentials(temporary.accessKeyId, temporary.secretAccessKey, temporary.sessionToken, temporary.expiration);
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(stats.segmentsMade).toBeGreaterThanOrEqual(2);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    expect(stats.segmentsDropped).toBe(0);
    expect((await storedObjects(bucket)).size).toBe(stats.segmentsMade);
  });

  it("records into a local directory store (no S3, no credentials): same bytes, same key layout", async () => {
    const frames = await fixtureFrames("video/baseline-320x240-25fps.h264", 25);
    const reference = await referenceSegments(frames, 1 << 20);
    const store = new LocalStore(join(tmp.path, "local"));
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, store, prefix: "cam-local" });
    const events = record(recorder);
    await recorder.start();
    for (const f of frames) recorder.putVideoFrame({ parts: split(f.bytes), timestampUs: f.ptsUs });
    const stats = await recorder.close();
    expect(stats.segmentsUploaded).toBe(reference.size);
    const listed = await store.list("cam-local/");
    expect(listed.map((o) => o.key).sort()).toEqual(events.uploaded.map((u) => u.key).sort());
    for (const u of events.uploaded) {
      expect(readFileSync(join(store.root, u.key)).equals(reference.get(u.seq)!)).toBe(true);
    }
  });

  it("rejects frames before start() and after close() with a typed error, and bad tags at setTags()", async () => {
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, region: "us-east-1", bucket: "b-x", credentials: { accessKeyId: "a", secretAccessKey: "s" } });
    expect(() => recorder.putVideoFrame(new Uint8Array(10), 0)).toThrow(/start\(\) first/);
    expect(() => recorder.setTags(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, "v"])))).toThrow(/at most 10/);
    await recorder.start();
    const stats = await recorder.close();
    expect(stats.segmentsMade).toBe(0);
    expect(() => recorder.putVideoFrame(new Uint8Array(10), 0)).toThrow(/closed/);
  });
});
