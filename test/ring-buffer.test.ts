// The ring buffer under the core: segments that wrap around its end, the two overflow policies with exact
// counts, and space that comes back only in order. Output is judged by our TS checker and by ffmpeg.
import { afterAll, describe, expect, test } from "vitest";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import type { CoreOptions, Segment } from "../src/core-types.js";
import { accessUnits } from "./support/annexb.js";
import { checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, fixturePath, tempDir } from "./support/media-tools.js";

const tmp = tempDir("ring-");
afterAll(() => tmp.cleanup());

// 75 frames, 25 fps, an IDR every second: played `loops` times with timestamps going on.
const units = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const FRAME_US = 40_000;

function* frames(loops: number): Generator<{ au: Uint8Array; us: number }> {
  for (let i = 0; i < loops * units.length; i++) yield { au: units[i % units.length]!, us: i * FRAME_US };
}

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

async function core(options: Partial<CoreOptions>): Promise<MuxerCore> {
  return MuxerCore.create({ bufferSize: 8 * 1024 * 1024, segmentDuration: 1, ...options });
}

/** Muxes everything, taking and releasing each segment at once; returns each segment's bytes and part count. */
async function muxReleasing(bufferSize: number, loops: number) {
  const c = await core({ bufferSize, maxFrameSize: 64 * 1024 });
  const out: { seq: number; bytes: Uint8Array; parts: number }[] = [];
  const drain = () => {
    for (let s = c.takeSegment(); s; s = c.takeSegment()) {
      out.push({ seq: s.seq, bytes: concat(s.parts), parts: s.parts.length });
      c.release(s.id);
    }
  };
  for (const f of frames(loops)) {
    expect(c.putVideo([f.au], f.us)).toBeUndefined();
    drain();
  }
  c.flush();
  drain();
  return { out, stats: c.stats() };
}

async function decodesAlone(name: string, bytes: Uint8Array): Promise<string> {
  const file = join(tmp.path, `${name}.ts`);
  writeFileSync(file, bytes);
  return decodeErrors(file);
}

describe("segments that wrap around the end of the ring", () => {
  test("come out as two views whose bytes equal what a large ring makes", async () => {
    const small = await muxReleasing(188 * 1000, 8);
    const large = await muxReleasing(8 * 1024 * 1024, 8);
    expect(small.out.length).toBe(24);
    expect(small.out.filter((s) => s.parts === 2).length, "segments split at the ring's end").toBeGreaterThan(0);
    expect(large.out.every((s) => s.parts === 1)).toBe(true);
    expect(small.out.map((s) => s.seq)).toEqual(large.out.map((s) => s.seq));
    for (const [i, s] of small.out.entries()) expect(Buffer.compare(s.bytes, large.out[i]!.bytes), `segment ${i}`).toBe(0);
    expect(checkSegments(small.out.map((s) => s.bytes)).flatMap((r) => r.violations)).toEqual([]);
    const wrapped = small.out.find((s) => s.parts === 2)!;
    expect(await decodesAlone("wrapped", wrapped.bytes)).toBe("");
    expect(small.stats.bufferHighWater).toBeLessThanOrEqual(small.stats.bufferCapacity);
  });

  test("linear memory is sized once at start and never grows, so views into it stay valid", async () => {
    const c = await core({ bufferSize: 188 * 1000, maxFrameSize: 64 * 1024 });
    const size = c.memoryBytes;
    const view = c.frameBuffer;
    for (const f of frames(8)) {
      c.putVideo([f.au], f.us);
      for (let s = c.takeSegment(); s; s = c.takeSegment()) c.release(s.id);
    }
    expect(c.memoryBytes).toBe(size);
    expect(view.byteLength, "a grown memory would detach the old views").toBe(64 * 1024);
  });
});

describe("overflow while nothing is released (an upload outage)", () => {
  test("drop-oldest: the oldest finished segments go, counted and reported in order; the rest stay intact", async () => {
    const c = await core({ bufferSize: 188 * 1200, maxFrameSize: 64 * 1024, overflowPolicy: "drop-oldest" });
    const taken: Segment[] = [];
    const dropped: number[] = [];
    for (const f of frames(6)) {
      expect(c.putVideo([f.au], f.us)).toBeUndefined();
      dropped.push(...c.takeDroppedSegments().map((d) => d.seq));
      // Take (as an uploader would) but never release: the store is down.
      for (let s = c.takeSegment(); s; s = c.takeSegment()) taken.push(s);
    }
    c.flush();
    for (let s = c.takeSegment(); s; s = c.takeSegment()) taken.push(s);
    const stats = c.stats();
    expect(stats.segmentsMade).toBe(18);
    expect(stats.segmentsDropped).toBeGreaterThan(0);
    expect(dropped.length).toBe(stats.segmentsDropped);
    // Oldest first, each exactly once, and none of them is still readable.
    expect(dropped).toEqual([...dropped].sort((a, b) => a - b));
    expect(new Set(dropped).size).toBe(dropped.length);
    for (const seq of dropped) expect(c.isLive(seq)).toBe(false);
    // Every frame went into a segment: drop-oldest never refuses new video.
    expect(stats.videoFramesDropped).toBe(0);
    const live = taken.filter((s) => c.isLive(s.id));
    expect(live.length).toBe(stats.segmentsMade - stats.segmentsDropped);
    expect(live.map((s) => s.seq)).toEqual(taken.map((s) => s.seq).filter((seq) => !dropped.includes(seq)));
    const bytes = live.map((s) => concat(s.parts));
    expect(checkSegments(bytes).every((r) => r.violations.filter((v) => !v.startsWith("PID")).length === 0)).toBe(true);
    expect(await decodesAlone("newest", bytes.at(-1)!)).toBe("");
  });

  test("drop-new: new frames are refused until the next IDR once full; no finished segment is lost", async () => {
    const c = await core({ bufferSize: 188 * 1200, maxFrameSize: 64 * 1024, overflowPolicy: "drop-new" });
    const taken: Segment[] = [];
    const reasons = new Map<string, number>();
    for (const f of frames(6)) {
      const r = c.putVideo([f.au], f.us);
      if (r) reasons.set(r, (reasons.get(r) ?? 0) + 1);
      for (let s = c.takeSegment(); s; s = c.takeSegment()) taken.push(s);
    }
    c.flush();
    for (let s = c.takeSegment(); s; s = c.takeSegment()) taken.push(s);
    const stats = c.stats();
    expect(reasons.get("buffer-full")).toBeGreaterThan(0);
    expect(stats.segmentsDropped).toBe(0);
    expect(c.takeDroppedSegments()).toEqual([]);
    expect(taken.every((s) => c.isLive(s.id))).toBe(true);
    // Frames in = frames muxed into segments + frames refused.
    const muxed = taken.reduce((n, s) => n + s.videoFrames, 0);
    expect(muxed + stats.videoFramesDropped).toBe(6 * units.length);
    expect(stats.bufferUsed).toBeLessThanOrEqual(stats.bufferCapacity);
    for (const [i, s] of taken.entries()) expect(await decodesAlone(`kept-${i}`, concat(s.parts)), `segment ${i}`).toBe("");
  });
});

describe("release", () => {
  test("space comes back only when the oldest is released; out-of-order releases wait for it", async () => {
    const c = await core({});
    for (const f of frames(1)) c.putVideo([f.au], f.us);
    c.flush();
    const [a, b, d] = [c.takeSegment()!, c.takeSegment()!, c.takeSegment()!];
    expect(c.takeSegment()).toBeUndefined();
    const total = c.stats().bufferUsed;
    expect(total).toBe(a.byteLength + b.byteLength + d.byteLength);
    c.release(b.id);
    c.release(d.id);
    expect(c.stats().bufferUsed, "the oldest still holds the tail").toBe(total);
    expect(c.isLive(a.id)).toBe(true);
    c.release(a.id);
    expect(c.stats().bufferUsed).toBe(0);
    // Releasing twice, or an id never handed out, changes nothing.
    c.release(a.id);
    c.release(12345);
    expect(c.stats().bufferUsed).toBe(0);
  });
});
