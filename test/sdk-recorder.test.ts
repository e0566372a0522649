// HlsRecorder end to end: fixture frames in (as a camera hands them over, split in two parts), segments in MinIO
// out, read back with the AWS SDK client and compared byte for byte with the output of a separate MuxerCore fed
// the same frames; keys, metadata and tags checked; an upload outage longer than the buffer drops whole segments
// with exact counts.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { GetObjectTaggingCommand } from "@aws-sdk/client-s3";
import { HlsRecorder } from "../src/sdk.js";
import { parseSegmentKey } from "../src/keys.js";
import { tempDir } from "./support/media-tools.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";
import { assumeRole } from "./support/minio-sts.js";
import { expectEachDecodes, fixtureFrames, record, recorderBehindProxy, referenceSegments, split, storedObjects } from "./support/recorder-harness.js";
import { LocalStore } from "../src/store/local-store.js";
import { S3AuthError } from "../src/s3/errors.js";

const tmp = tempDir("sdk-recorder-");

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
    await expectEachDecodes(stored, tmp.path, "uploaded");
  });

  it("an outage longer than the buffer drops whole segments (drop-oldest) with exact counts, and uploads the rest", async () => {
    const bucket = await freshBucket("outage");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25, "sample/sample-48000-mono.aac");
    proxy.setScript(() => ({ status: 503, code: "ServiceUnavailable" }));
    // About three segments of this clip fit in the buffer.
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: 188 * 1800, audio: true });
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
    await expectEachDecodes(stored, tmp.path, "outage");
  });

  it("drop-new: during an outage new frames are refused until the next IDR, no segment is lost, and all decode", async () => {
    const bucket = await freshBucket("dropnew");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25);
    proxy.setScript(() => ({ status: 503, code: "SlowDown" }));
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: 188 * 1800, overflowPolicy: "drop-new" });
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
    await expectEachDecodes(stored, tmp.path, "dropnew");
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
