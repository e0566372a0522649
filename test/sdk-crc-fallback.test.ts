// The CRC-32 fallback for Node < 20.15 (no zlib.crc32), forced here with IPC_HLS_NO_ZLIB_CRC32 (and native under
// Node 20.11, see scripts/test.sh): spilled segments upload from disk while the camera keeps writing frames into
// the recorder's frameBuffer, waiting between the write and the put as a read() from an encoder does. The CRC of a
// spilled segment must not touch that buffer: every segment in MinIO equals what a separate core makes.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import { join } from "node:path";

// Read when src/s3/checksum.ts loads, so everything below imports later, into a fresh module graph: where test
// workers serve several files (scripts/ci-arm.sh) an earlier file may have loaded it already. Afterwards the
// variable goes and the graph is dropped again, so later files in the worker load the native CRC.
process.env.IPC_HLS_NO_ZLIB_CRC32 = "1";
vi.resetModules();
const { zlibCrc32 } = await import("../src/s3/checksum.js");
const { tempDir } = await import("./support/media-tools.js");
const { freshBucket, minio } = await import("./support/minio.js");
const { startFaultProxy } = await import("./support/fault-proxy.js");
const { fixtureFrames, record, recorderBehindProxy, referenceSegments, storedObjects } = await import("./support/recorder-harness.js");
delete process.env.IPC_HLS_NO_ZLIB_CRC32;

const tmp = tempDir("sdk-crc-fallback-");
let proxy: Awaited<ReturnType<typeof startFaultProxy>>;
beforeAll(async () => {
  proxy = await startFaultProxy(minio().endpoint);
});
afterAll(async () => {
  await proxy.close();
  tmp.cleanup();
  vi.resetModules();
});

const RING = 188 * 1800; // about three segments of the clip
const pause = () => new Promise((r) => setTimeout(r, 2));

describe("CRC-32 without zlib.crc32", () => {
  it("spilled segments upload while live frames are written in place: every stored segment is byte-identical", async () => {
    expect(zlibCrc32).toBeUndefined();
    const bucket = await freshBucket("crcfb");
    const frames = (await fixtureFrames("sample/sample-640x360-25fps.h264", 25)).filter((f) => f.kind === "video");
    const clipUs = frames.at(-1)!.dtsUs + 40_000;
    // The clip twice: the first play during an outage (segments spill), the second while they upload from disk.
    const twice = [0, 1].flatMap((loop) => frames.map((f) => ({ ...f, ptsUs: f.ptsUs + loop * clipUs, dtsUs: f.dtsUs + loop * clipUs })));
    const reference = await referenceSegments(twice, RING);
    proxy.setScript(() => ({ status: 503, code: "ServiceUnavailable" }));
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: RING, spill: { dir: join(tmp.path, "spill") } });
    const events = record(recorder);
    await recorder.start();
    for (const [i, f] of twice.entries()) {
      if (i === frames.length) proxy.setScript(() => "pass"); // the store is back for the second play
      recorder.frameBuffer.set(f.bytes);
      await pause(); // uploads (and their CRCs) run while the frame waits in frameBuffer
      expect(recorder.putVideoFrameInPlace(f.bytes.length, f.ptsUs, f.dtsUs)).toBeUndefined();
    }
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(stats.segmentsSpilled).toBeGreaterThan(0);
    expect(stats.segmentsUploadedFromSpill).toBe(stats.segmentsSpilled);
    expect(stats.segmentsUploaded).toBe(reference.size);
    const stored = await storedObjects(bucket);
    expect(stored.size).toBe(reference.size);
    for (const u of events.uploaded) expect(stored.get(u.key)!.bytes.equals(reference.get(u.seq)!), u.key).toBe(true);
  });
});
