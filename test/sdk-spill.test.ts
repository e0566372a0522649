// Store and forward: with a spill directory, an upload outage longer than the ring loses nothing. Segments move to
// local storage, go to MinIO (through a fault proxy) when it answers again, byte-identical to what a separate
// MuxerCore makes of the same frames, and decode; a recorder closed during an outage leaves them on disk for the
// next one; the directory keeps to its size limit; leftovers of an interrupted write are cleaned up.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { HlsRecorder } from "../src/sdk.js";
import { parseSegmentKey } from "../src/keys.js";
import { SpillDirectory, SpillDirectoryBusyError } from "../src/spill.js";
import { repoRoot, tempDir } from "./support/media-tools.js";
import { freshBucket } from "./support/minio.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";
import { expectEachDecodes, fixtureFrames, record, recorderBehindProxy, referenceSegments, storedObjects, type Frame } from "./support/recorder-harness.js";

const tmp = tempDir("sdk-spill-");
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy((await import("./support/minio.js")).minio().endpoint);
});
afterAll(async () => {
  await proxy.close();
  tmp.cleanup();
});

// About three segments of this clip fit in the ring.
const RING = 188 * 1800;
const storeDown = () => proxy.setScript(() => ({ status: 503, code: "ServiceUnavailable" }));
const storeUp = () => proxy.setScript(() => "pass");
/** The segment files and descriptions in a spill directory (not its .lock). */
const filesIn = (dir: string) => (existsSync(dir) ? readdirSync(dir).filter((f) => f !== ".lock").sort() : []);
const bytesIn = (dir: string) => filesIn(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

/**
 * Feeds the frames as a camera would, four times faster than real time (10 ms per video frame): a camera cannot wait,
 * so the spill directory must keep up with it; at 2 ms a frame (20×) a loaded machine's fsync sometimes did not.
 */
async function feed(recorder: HlsRecorder, frames: Frame[]): Promise<void> {
  for (const f of frames) {
    if (f.kind === "video") {
      expect(recorder.putVideoFrame(f.bytes, f.ptsUs, f.dtsUs)).toBeUndefined();
      await new Promise((r) => setTimeout(r, 10));
    } else expect(recorder.putAudioFrame(f.bytes, f.ptsUs)).toBeUndefined();
  }
}

describe("spill directory (store and forward)", () => {
  it("an outage longer than the ring loses nothing: segments wait on disk and reach MinIO, byte-identical, when it is back", async () => {
    const bucket = await freshBucket("spill");
    const dir = join(tmp.path, "outage");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25, "sample/sample-48000-mono.aac");
    const reference = await referenceSegments(frames, RING);
    storeDown();
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: RING, audio: true, spill: { dir } });
    const events = record(recorder);
    await recorder.start();
    await feed(recorder, frames);
    // The outage outlasted the ring: without the directory segments were dropped (see sdk-recorder.test.ts).
    expect([...reference.values()].reduce((n, b) => n + b.length, 0)).toBeGreaterThan(RING);
    // (A spill write may still be under way when the feed ends: its files are on disk before it is counted.)
    await vi.waitFor(() => expect(filesIn(dir).length).toBe(2 * recorder.stats().spillBacklog), { timeout: 10_000, interval: 50 });
    expect(recorder.stats().segmentsSpilled).toBeGreaterThan(0);
    expect(events.uploaded).toEqual([]);

    storeUp();
    const stats = await recorder.close({ deadlineMs: 30_000 });
    expect(events.dropped).toEqual([]);
    expect(stats.segmentsDropped).toBe(0);
    expect(stats.segmentsMade).toBe(reference.size);
    expect(stats.segmentsUploaded).toBe(stats.segmentsMade);
    expect(stats.segmentsUploadedFromSpill).toBe(stats.segmentsSpilled);
    expect(events.uploaded.filter((u) => u.fromSpill).length).toBe(stats.segmentsSpilled);
    expect(events.spilled.map((s) => s.seq).sort((a, b) => a - b)).toEqual(events.uploaded.filter((u) => u.fromSpill).map((u) => u.seq).sort((a, b) => a - b));
    expect(filesIn(dir)).toEqual([]);
    expect(stats.spillBacklog).toBe(0);

    const stored = await storedObjects(bucket);
    expect(stored.size).toBe(reference.size);
    for (const u of events.uploaded) expect(stored.get(u.key)!.bytes.equals(reference.get(u.seq)!), u.key).toBe(true);
    // Spilled segments keep their key, metadata and place in time.
    for (const u of events.uploaded.filter((x) => x.fromSpill)) {
      const object = stored.get(u.key)!;
      expect(Number(object.metadata["duration-ms"])).toBe(parseSegmentKey(u.key)!.durationMs);
      expect(object.metadata.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    }
    await expectEachDecodes(stored, tmp.path, "spilled");
  });

  it("closed during an outage: the segments stay on disk and the next recorder with the directory uploads them", async () => {
    const bucket = await freshBucket("spill-restart");
    const dir = join(tmp.path, "restart");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25);
    storeDown();
    const first = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: RING, spill: { dir } });
    const firstEvents = record(first);
    await first.start();
    await feed(first, frames);
    const closed = await first.close({ deadlineMs: 200 });
    // Nothing given up: what was still in the ring at the deadline went to disk too.
    expect(firstEvents.dropped).toEqual([]);
    expect(closed.segmentsUploaded).toBe(0);
    expect(closed.spillBacklog).toBe(closed.segmentsMade);
    expect(filesIn(dir).length).toBe(2 * closed.segmentsMade);

    storeUp();
    const second = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: RING, spill: { dir } });
    const secondEvents = record(second);
    await second.start();
    const stats = await second.close({ deadlineMs: 30_000 });
    expect(secondEvents.dropped).toEqual([]);
    expect(stats.segmentsUploadedFromSpill).toBe(closed.segmentsMade);
    expect(filesIn(dir)).toEqual([]);
    const stored = await storedObjects(bucket);
    expect(stored.size).toBe(closed.segmentsMade);
    // Under the first recorder's session, every sequence number once.
    const seqs = [...stored.keys()].map((k) => parseSegmentKey(k)!).filter((k) => k.session === first.session).map((k) => k.seq);
    expect(seqs.sort((a, b) => a - b)).toEqual(Array.from({ length: closed.segmentsMade }, (_, i) => i));
    await expectEachDecodes(stored, tmp.path, "restart");
  });

  it("keeps to maxBytes: the oldest spilled segments are dropped and reported as spill-full", async () => {
    const bucket = await freshBucket("spill-full");
    const dir = join(tmp.path, "full");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25);
    storeDown();
    const maxBytes = RING / 2; // one or two segments of this clip
    const recorder = recorderBehindProxy(proxy.endpoint, bucket, { bufferSize: RING, spill: { dir, maxBytes } });
    const events = record(recorder);
    await recorder.start();
    await feed(recorder, frames);
    expect(bytesIn(dir)).toBeLessThanOrEqual(maxBytes + 4096); // (+ the small descriptions)
    const stats = await recorder.close({ deadlineMs: 200 });
    const full = events.dropped.filter((d) => d.reason === "spill-full");
    expect(full.length).toBeGreaterThan(0);
    expect(events.dropped).toEqual(full);
    expect(stats.segmentsFailed).toBe(full.length);
    // The dropped ones are the oldest: every segment left on disk is newer than every dropped one.
    const left = await new SpillDirectory({ dir }).open();
    expect(left.length).toBe(stats.spillBacklog);
    expect(Math.max(...full.map((d) => d.seq))).toBeLessThan(Math.min(...left.map((e) => e.seq)));
    expect(full.length + left.length).toBe(stats.segmentsMade);
    storeUp();
  });

  // The store is down as a refused connection (nothing listens on port 9), not as 503s: a segment the core drops
  // while an attempt of it is out on a connection is "uncertain" (the store might have it; a HEAD cannot tell), and
  // whether the drop meets an attempt in flight is timing. Natively a 503 comes back within the 5-20 ms backoff;
  // under qemu-user the attempts take longer than the backoff, so every drop could be uncertain and none an overflow.
  it("the spill directory goes away mid-outage (a card pulled): errors are reported, the overflow policy takes over, nothing hangs", async () => {
    const dir = join(tmp.path, "gone");
    const frames = await fixtureFrames("sample/sample-640x360-25fps.h264", 25);
    const recorder = recorderBehindProxy("http://127.0.0.1:9", "b-unused", { bufferSize: RING, spill: { dir } });
    const events = record(recorder);
    await recorder.start();
    rmSync(dir, { recursive: true });
    await feed(recorder, frames);
    const stats = await recorder.close({ deadlineMs: 200 });
    expect(events.errors.some((e) => /ENOENT/.test(e.message))).toBe(true);
    expect(stats.segmentsSpilled).toBe(0);
    // Every segment is accounted for: dropped by the overflow policy while the ring was full, or given up at the
    // close deadline; none was sent, so none is uncertain.
    const overflow = events.dropped.filter((d) => d.reason === "buffer-overflow");
    expect(overflow.length).toBeGreaterThan(0);
    expect(overflow.length).toBe(stats.segmentsDroppedOverflow);
    expect(events.dropped.length).toBe(stats.segmentsMade);
    expect(new Set(events.dropped.map((d) => d.reason))).toEqual(new Set(["buffer-overflow", "close-deadline"]));
    expect(stats.segmentsUncertain).toBe(0);
  });

  it("bad spill options are refused when the recorder is made", () => {
    const make = (spill: object) => () => recorderBehindProxy(proxy.endpoint, "b-unused", { bufferSize: RING, spill: spill as never });
    expect(make({ dir: "" })).toThrow(/spill.dir/);
    expect(make({ dir: tmp.path, ringFraction: 1.5 })).toThrow(/ringFraction/);
    expect(make({ dir: tmp.path, ringFraction: 0 })).toThrow(/ringFraction/);
    expect(make({ dir: tmp.path, maxBytes: 0 })).toThrow(/maxBytes/);
  });

  it("a spill directory that cannot be made fails start() with the file system's error; the recorder can start again", async () => {
    const file = join(tmp.path, "not-a-directory");
    writeFileSync(file, "x");
    const recorder = recorderBehindProxy(proxy.endpoint, "b-unused", { bufferSize: RING, spill: { dir: join(file, "spill") } });
    await expect(recorder.start()).rejects.toThrow(/ENOTDIR|EEXIST/);
    expect(() => recorder.putVideoFrame(new Uint8Array(10), 0)).toThrow(/start\(\) first/);
  });

  it("one recorder per directory: a second one fails start() with SpillDirectoryBusyError; a lock left by a dead process is taken over", async () => {
    const dir = join(tmp.path, "locked");
    const first = recorderBehindProxy(proxy.endpoint, "b-unused", { bufferSize: RING, spill: { dir } });
    await first.start();
    const second = recorderBehindProxy(proxy.endpoint, "b-unused", { bufferSize: RING, spill: { dir } });
    await expect(second.start()).rejects.toBeInstanceOf(SpillDirectoryBusyError);
    await first.close({ deadlineMs: 100 });
    expect(readdirSync(dir)).toEqual([]); // the lock is gone with its recorder
    // Another process holds it while it runs (its lock as it writes it: pid and start from /proc).
    const { spawn } = await import("node:child_process");
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `import { SpillDirectory } from ${JSON.stringify(join(repoRoot, "dist/spill.js"))}; await new SpillDirectory({ dir: ${JSON.stringify(dir)} }).open(); console.log("held"); setTimeout(() => {}, 30000);`]);
    await new Promise((r) => holder.stdout.once("data", r));
    await expect(new SpillDirectory({ dir }).open()).rejects.toThrow(new RegExp(`used by process ${holder.pid}`));
    // It dies without closing: its lock stays and is taken over.
    holder.kill("SIGKILL");
    await new Promise((r) => holder.once("exit", r));
    expect(existsSync(join(dir, ".lock"))).toBe(true);
    const third = new SpillDirectory({ dir });
    expect(await third.open()).toEqual([]);
    await third.close();
    // A lock from before a reboot: its pid belongs to a live process now (our parent here), started at another time.
    writeFileSync(join(dir, ".lock"), JSON.stringify({ pid: process.ppid, started: "another-boot:12345" }));
    const fourth = new SpillDirectory({ dir });
    expect(await fourth.open()).toEqual([]);
    await fourth.close();
  });

  it("open() removes what an interrupted write left and keeps whole entries, oldest first", async () => {
    const dir = join(tmp.path, "leftovers");
    mkdirSync(dir);
    const info = (seq: number) => JSON.stringify({ key: `cam/k-${seq}.ts`, seq, wallStartMs: 1000 + seq, durationMs: 2000, options: {} });
    writeFileSync(join(dir, "00000000001002-000002-aaaaaa.json"), info(2));
    writeFileSync(join(dir, "00000000001002-000002-aaaaaa.ts"), "22");
    writeFileSync(join(dir, "00000000001001-000001-bbbbbb.json"), info(1));
    writeFileSync(join(dir, "00000000001001-000001-bbbbbb.ts"), "1");
    writeFileSync(join(dir, "00000000001003-000003-cccccc.json"), info(3)); // its segment never got renamed in
    writeFileSync(join(dir, ".00000000001003-000003-cccccc.ts.tmp"), "33");
    const spill = new SpillDirectory({ dir });
    const entries = await spill.open();
    expect(entries.map((e) => [e.seq, e.key, e.bytes])).toEqual([[1, "cam/k-1.ts", 1], [2, "cam/k-2.ts", 2]]);
    expect(filesIn(dir)).toEqual(["00000000001001-000001-bbbbbb.json", "00000000001001-000001-bbbbbb.ts", "00000000001002-000002-aaaaaa.json", "00000000001002-000002-aaaaaa.ts"]);
    expect(spill.bytes).toBe(3);
  });
});
