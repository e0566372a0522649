// A spill directory that cannot be used fails at start with a clear error (before, one under /proc made start()
// spin a core forever inside Node's recursive mkdir), and a disk that keeps failing while recording is retried
// after pauses that double up to a cap, instead of every 10 s.
import { afterAll, describe, expect, test } from "vitest";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { HlsRecorder } from "../src/sdk.js";
import { SpillDirectory, SpillDirectoryError, type SpillEntryInfo, type SpilledSegment } from "../src/spill.js";
import { LocalStore } from "../src/store/local-store.js";
import { Uploader } from "../src/uploader.js";
import type { PutOptions } from "../src/store/types.js";
import { SyntheticRing } from "./support/synthetic-ring.js";
import { tempDir } from "./support/media-tools.js";

const tmp = tempDir("spill-unusable-");
afterAll(() => tmp.cleanup());

describe("SpillDirectory.open on a directory that cannot hold segments", () => {
  const aFile = join(tmp.path, "a-file");
  writeFileSync(aFile, "x");
  test.each([
    ["a new directory under /proc", "/proc/ipc-hls-spill", /ENOENT/],
    ["a new directory two levels under /proc", "/proc/ipc-hls/spill", /ENOENT/],
    ["an existing /proc directory that takes no files", "/proc/self", /ENOENT|EACCES|EPERM/],
    ["a path under a regular file", join(aFile, "spill"), /ENOTDIR/],
    ["a regular file", aFile, /EEXIST/],
  ])("%s: SpillDirectoryError naming the directory and the system's reason", async (_, dir, code) => {
    const opened = new SpillDirectory({ dir }).open();
    await expect(opened).rejects.toThrow(SpillDirectoryError);
    await expect(opened).rejects.toThrow(new RegExp(`spill directory ${dir.replace(/[/.]/g, "\\$&")} cannot be used: .*(${code.source})`));
  });

  test("HlsRecorder.start() rejects with it and stays unstarted", async () => {
    const recorder = new HlsRecorder({ bufferSize: 1 << 20, store: new LocalStore(join(tmp.path, "store")), spill: { dir: "/proc/ipc-hls-spill" } });
    await expect(recorder.start()).rejects.toThrow(SpillDirectoryError);
    expect(() => recorder.putVideoFrame(new Uint8Array(10), 0)).toThrow(/start\(\) first/);
  });

  test("a usable directory: opened, and the probe file is gone", async () => {
    const dir = join(tmp.path, "deep", "er", "spill");
    const spill = new SpillDirectory({ dir });
    expect(await spill.open()).toEqual([]);
    const { readdirSync } = await import("node:fs");
    expect(readdirSync(dir)).toEqual([".lock"]);
    await spill.close();
  });
});

describe("a spill disk that keeps failing while recording", () => {
  test("spilling pauses 10 s, then 20, 40, 80, 80 s after failures in a row; a write that works resets it", async () => {
    let now = 0;
    const writes: number[] = [];
    let failing = true;
    const entries: SpilledSegment[] = [];
    // Only what the uploader uses of a SpillDirectory.
    const directory = {
      ringFraction: 0.1,
      async write(info: SpillEntryInfo, parts: readonly Uint8Array[]) {
        writes.push(now);
        if (failing) throw Object.assign(new Error("EIO: i/o error, write"), { code: "EIO" });
        const entry = { ...info, name: `e${writes.length}`, bytes: parts.reduce((n, p) => n + p.length, 0) };
        entries.push(entry);
        return entry;
      },
      overLimit: () => [],
      remove: async () => {},
      read: async () => Buffer.alloc(0),
    } as unknown as SpillDirectory;
    const ring = new SyntheticRing();
    const errors: Error[] = [];
    // A store that never answers: every segment waits, so the uploader wants to spill each time one is queued.
    const store = {
      description: "silent",
      put: (_key: string, _body: readonly Uint8Array[], options?: PutOptions) =>
        new Promise<void>((_, reject) => options?.signal?.addEventListener("abort", () => reject(new Error("aborted")))),
    };
    const uploader = new Uploader({
      store,
      ring,
      now: () => now,
      describe: (s) => ({ key: `k${s.seq}`, options: {} }),
      spill: { directory, ringCapacity: 188 * 1000, recovered: [] },
      events: { uploaded() {}, retry() {}, dropped() {}, error: (e) => errors.push(e) },
    });
    const settle = () => new Promise((r) => setTimeout(r, 5));
    let seq = 0;
    const at = async (ms: number) => {
      now = ms;
      uploader.enqueue(ring.make(seq++));
      await settle();
    };
    await at(0); // fails: pause 10 s
    await at(9_999);
    await at(10_000); // fails: pause 20 s
    await at(29_999);
    await at(30_000); // fails: pause 40 s
    await at(69_999);
    await at(70_000); // fails: pause 80 s (the cap)
    await at(149_999);
    await at(150_000); // fails: pause 80 s again
    await at(229_999);
    expect(writes).toEqual([0, 10_000, 30_000, 70_000, 150_000]);
    expect(errors.length).toBe(5);
    failing = false;
    await at(230_000); // works: the backoff starts over
    expect(writes.slice(5, 6)).toEqual([230_000]);
    expect(entries.length).toBeGreaterThan(0);
    const after = writes.length;
    failing = true;
    now = 1_000_000;
    await at(1_000_000); // fails: pause 10 s, not 160
    await at(1_010_000);
    expect(writes.slice(after)).toEqual([1_000_000, 1_010_000]);
  });
});
