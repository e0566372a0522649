// The counts match the bucket: with drop-oldest and a slow store, the core drops segments whose upload already
// sent its whole body (MinIO stored it, the answer was still on its way). Each of those is checked with a HEAD and
// counted uploaded when the store has it, so stats.segmentsUploaded equals the objects MinIO lists (read with
// the AWS SDK), and uploaded + dropped + uncertain equals the segments made.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";
import { fixtureFrames, record, recorderBehindProxy } from "./support/recorder-harness.js";
import type { MuxerCore } from "../src/core.js";

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(minio().endpoint);
});
afterAll(async () => {
  await proxy.close();
});

async function keysIn(bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await referenceClient().send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    keys.push(...(page.Contents ?? []).map((o) => o.Key!));
    token = page.NextContinuationToken;
  } while (token);
  return keys.sort();
}

describe("overflow with a slow store", () => {
  it("segments dropped after their body reached the store are counted uploaded: stats equal the bucket", async () => {
    const bucket = await freshBucket("counts");
    const clip = (await fixtureFrames("sample/sample-640x360-25fps.h264", 25)).filter((f) => f.kind === "video");
    const clipUs = clip.at(-1)!.dtsUs + 40_000;
    // MinIO stores each segment at once; its answer reaches the recorder a second later.
    proxy.setScript((_, req) => (req.method === "PUT" ? { delayAnswerMs: 1000 } : "pass"));
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: 188 * 1800 }); // about 3 segments
    const events = record(recorder);
    await recorder.start();
    let n = 0;
    for (let loop = 0; loop < 8; loop++) {
      for (const f of clip) {
        recorder.putVideoFrame(f.bytes, f.ptsUs + loop * clipUs, f.dtsUs + loop * clipUs);
        if (++n % 10 === 0) await new Promise((r) => setTimeout(r, 1)); // uploads run between frames
      }
    }
    const stats = await recorder.close({ deadlineMs: 30_000 });
    const heads = proxy.log.filter((r) => r.method === "HEAD").length;
    // Segments the core dropped, whether or not their upload had reached the store.
    const coreDropped = (recorder as unknown as { core: MuxerCore }).core.stats().segmentsDropped;

    const keys = await keysIn(bucket);
    expect(stats.segmentsUploaded).toBe(keys.length);
    // The core dropped uploads that had already reached the store: they count as uploaded, not lost.
    expect(heads).toBeGreaterThan(0);
    expect(coreDropped).toBeGreaterThan(stats.segmentsDroppedOverflow);
    expect(events.uploaded.map((u) => u.key).sort()).toEqual(keys);
    expect(stats.segmentsUploaded + stats.segmentsDropped + stats.segmentsUncertain).toBe(stats.segmentsMade);
    expect(stats.segmentsUncertain).toBe(0); // MinIO answered every HEAD
    expect(events.dropped.length).toBe(stats.segmentsDropped);
    // Every sequence number is accounted for once.
    const seqs = [...events.uploaded.map((u) => u.seq), ...events.dropped.map((d) => d.seq)].sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: stats.segmentsMade }, (_, i) => i));
    console.log(
      `overflow run: ${stats.segmentsMade} made, ${stats.segmentsUploaded} uploaded (${keys.length} in the bucket), ` +
        `${stats.segmentsDroppedOverflow} lost to overflow, ${coreDropped} dropped by the core, ${heads} HEADs`,
    );
  });
});
