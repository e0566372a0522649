// HlsRecorder.whenWritable: a source that can wait (a file) awaits it before each put and never outruns the
// uploads, whatever the input's size against the ring; it never deadlocks (it returns when waiting cannot free
// anything) and a signal ends it. The store here is a fake that takes its time; no network.
import { describe, it, expect } from "vitest";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { HlsRecorder } from "../src/sdk.js";
import { muxFiles } from "../src/mux-files.js";
import type { ObjectStore } from "../src/store/types.js";
import { fixtureFacts, fixturePath, tempDir } from "./support/media-tools.js";
import { feedRawStreams, VIDEO_CHUNK } from "../src/raw-feed.js";

/** A store that answers each put after `delayMs` (or never, while `stalled`), keeping copies of what it got. */
function slowStore(delayMs: number) {
  const objects = new Map<string, Buffer>();
  const store: ObjectStore & { objects: typeof objects; stalled: boolean } = {
    description: "slow fake store",
    objects,
    stalled: false,
    async put(key, body, options) {
      const copy = Buffer.concat(body.map((part) => Buffer.from(part)) as unknown as Uint8Array[]);
      await new Promise<void>((resolve, reject) => {
        const timer = store.stalled ? undefined : setTimeout(resolve, delayMs);
        options?.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          reject(options.signal!.reason);
        });
      });
      objects.set(key, copy);
    },
    async list() {
      return [];
    },
  };
  return store;
}

const VIDEO = "video/av-1280x720-25fps.h264";
const frameCounts = fixtureFacts();

/** A file's bytes in the chunks the CLI reads. */
async function* chunks(bytes: Uint8Array) {
  for (let at = 0; at < bytes.byteLength; at += VIDEO_CHUNK) yield bytes.subarray(at, at + VIDEO_CHUNK);
}

describe("HlsRecorder.whenWritable", () => {
  it("an input many times the ring, fed through a slow store, loses nothing: every segment made is stored", async () => {
    const store = slowStore(15);
    const bufferSize = 256 * 1024;
    const recorder = new HlsRecorder({ bufferSize, store, segmentDuration: 1, maxFrameSize: 64 * 1024 });
    const dropped: string[] = [];
    recorder.on("segment-dropped", (d) => dropped.push(d.reason));
    await recorder.start();
    recorder.startRawStreams(25);
    const video = new Uint8Array(readFileSync(fixturePath(VIDEO)));
    const loops = 12; // ~1.9 MB of video, 7x the ring
    for (let loop = 0; loop < loops; loop++) {
      if (loop > 0) recorder.rewindRawStreams();
      await feedRawStreams(recorder, chunks(video), undefined);
    }
    const stats = await recorder.close({ deadlineMs: 30_000 });

    expect(video.byteLength * loops).toBeGreaterThan(5 * bufferSize);
    expect(dropped).toEqual([]);
    expect(stats.videoFramesIn).toBe(loops * frameCounts[VIDEO]!.frames);
    expect(stats.videoFramesDropped).toBe(0);
    expect(stats.segmentsDropped).toBe(0);
    expect(stats.segmentsMade).toBeGreaterThanOrEqual(loops * 2);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    expect(store.objects.size).toBe(stats.segmentsMade);
    expect(stats.bufferHighWater).toBeLessThanOrEqual(stats.bufferCapacity);
  });

  it("waits for the segment table too: hundreds of tiny segments (more than its 256 entries) are all stored", async () => {
    const dir = tempDir("tiny-segments-");
    try {
      // Every frame an IDR, 0.1 s segments: over 300 segments of ~10 KiB; the table (256 entries) fills before the ring.
      const file = join(dir.path, "all-intra.h264");
      execFileSync("ffmpeg", ["-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "40",
        "-c:v", "libx264", "-preset", "ultrafast", "-g", "1", "-f", "h264", file]);
      const store = slowStore(5);
      const recorder = new HlsRecorder({ bufferSize: 4 * 1024 * 1024, store, segmentDuration: 0.1 });
      await recorder.start();
      recorder.startRawStreams(25);
      await feedRawStreams(recorder, chunks(new Uint8Array(readFileSync(file))), undefined);
      const stats = await recorder.close({ deadlineMs: 30_000 });
      expect(stats.segmentsMade).toBeGreaterThan(256);
      expect(stats.segmentsDropped).toBe(0);
      expect(store.objects.size).toBe(stats.segmentsMade);
    } finally {
      dir.cleanup();
    }
  });

  it("with a spill directory and the store down, a wait that nothing ends moves the oldest segment to disk: all spilled, none lost", async () => {
    const dir = tempDir("backpressure-spill-");
    try {
      const down: ObjectStore = {
        description: "a store that is down",
        put: async () => {
          throw Object.assign(new Error("store down"), { code: "EIO" }); // (retried, as a transient error)
        },
        list: async () => [],
      };
      // 8 s segments of ~330 KB: one waiting segment stays under the share of the ring that starts spilling (half
      // of 768 KiB) while the open one takes the rest, so only the waiting feeder can start the spill.
      const recorder = new HlsRecorder({ bufferSize: 768 * 1024, store: down, segmentDuration: 8, spill: { dir: dir.path }, retryBackoff: { baseMs: 5, capMs: 20 } });
      await recorder.start();
      recorder.startRawStreams(25);
      const video = new Uint8Array(readFileSync(fixturePath(VIDEO)));
      for (let loop = 0; loop < 12; loop++) {
        if (loop > 0) recorder.rewindRawStreams();
        await feedRawStreams(recorder, chunks(video), undefined);
      }
      const stats = await recorder.close({ deadlineMs: 0 });
      expect(stats.segmentsMade).toBeGreaterThanOrEqual(5);
      expect(stats.segmentsDropped).toBe(0);
      expect(stats.segmentsSpilled).toBe(stats.segmentsMade);
      expect(stats.spillBacklog).toBe(stats.segmentsMade);
    } finally {
      dir.cleanup();
    }
  }, 30_000);

  it("the same input put without waiting overflows the ring (what the wait prevents)", async () => {
    const store = slowStore(15);
    const recorder = new HlsRecorder({ bufferSize: 256 * 1024, store, segmentDuration: 1, maxFrameSize: 64 * 1024 });
    await recorder.start();
    recorder.startRawStreams(25);
    const video = new Uint8Array(readFileSync(fixturePath(VIDEO)));
    for (let loop = 0; loop < 12; loop++) {
      recorder.rewindRawStreams();
      recorder.putRawVideo(video);
    }
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(stats.segmentsDroppedOverflow).toBeGreaterThan(0);
  });

  it("returns at once when nothing waits for upload, and when waiting cannot free anything", async () => {
    const store = slowStore(0);
    store.stalled = true;
    const recorder = new HlsRecorder({ bufferSize: 64 * 1024, store, maxFrameSize: 16 * 1024, segmentDuration: 60 });
    await recorder.start();
    await recorder.whenWritable(); // empty ring
    // One long segment (60 s target: no cut) fills the ring: only the open segment holds it, no upload can free it.
    recorder.startRawStreams(25);
    const video = new Uint8Array(readFileSync(fixturePath("video/long-gop-320x240-25fps.h264")));
    await feedRawStreams(recorder, chunks(video), undefined);
    expect(recorder.stats().segmentsPending).toBe(0);
    await recorder.whenWritable({ bytes: 60 * 1024 });
    await recorder.close({ deadlineMs: 0 });
  });

  it("waits while uploads hold the ring; a signal ends the wait; close() ends it too", async () => {
    const store = slowStore(0);
    store.stalled = true; // uploads never finish
    const recorder = new HlsRecorder({ bufferSize: 256 * 1024, store, maxFrameSize: 64 * 1024, segmentDuration: 0.5 });
    await recorder.start();
    recorder.startRawStreams(25);
    const video = new Uint8Array(readFileSync(fixturePath(VIDEO)));
    const abort = new AbortController();
    let waited = false;
    // Feed until a wait does not return by itself: the finished segments hold the ring and cannot be uploaded.
    for (let at = 0; at < video.byteLength && !waited; at += VIDEO_CHUNK) {
      const wait = recorder.whenWritable({ signal: abort.signal });
      const settled = await Promise.race([wait.then(() => true), new Promise((r) => setTimeout(() => r(false), 50))]);
      if (!settled) {
        waited = true;
        abort.abort();
        await wait;
      } else recorder.putRawVideo(video.subarray(at, at + VIDEO_CHUNK));
    }
    expect(waited).toBe(true);
    expect(recorder.stats().segmentsDropped).toBe(0);

    const pending = recorder.whenWritable();
    const closed = recorder.close({ deadlineMs: 0 });
    await pending; // close() wakes it
    await closed;
    await expect(recorder.whenWritable()).rejects.toThrow(/closed/);
  });

  it("refuses a bad byte count", async () => {
    const recorder = new HlsRecorder({ bufferSize: 64 * 1024, store: slowStore(0) });
    await expect(recorder.whenWritable()).rejects.toThrow(/start\(\)/);
    await recorder.start();
    await expect(recorder.whenWritable({ bytes: NaN })).rejects.toThrow(RangeError);
    await expect(recorder.whenWritable({ bytes: -1 })).rejects.toThrow(RangeError);
    await recorder.close();
  });
});

describe("ipc-hls mux (muxFiles) has no whenWritable", () => {
  it("it writes each segment out as it is finished: a file many times the ring loses no frame", async () => {
    const dir = tempDir("mux-big-");
    try {
      const clip = readFileSync(fixturePath(VIDEO));
      const file = join(dir.path, "looped.h264");
      writeFileSync(file, Buffer.concat(Array.from({ length: 12 }, () => clip) as unknown as Uint8Array[]) as unknown as Uint8Array);
      const bufferSize = 256 * 1024;
      const result = await muxFiles({ video: file, fpsNum: 25, fpsDen: 1, outDir: join(dir.path, "out"), bufferSize, segmentDuration: 1 });
      expect(statSync(file).size).toBeGreaterThan(5 * bufferSize);
      expect(result.stats.videoFramesIn).toBe(12 * frameCounts[VIDEO]!.frames);
      expect(result.stats.videoFramesDropped).toBe(0);
      expect(result.stats.segmentsDropped).toBe(0);
      expect(result.segments).toHaveLength(result.stats.segmentsMade);
    } finally {
      dir.cleanup();
    }
  });
});
