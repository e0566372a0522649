// Property-based tests of the WASM core (fast-check, bounded so the file runs in well under 30 s): random bytes and
// mutated fixture frames never make it throw or trap, every byte it emits is well-formed TS, and when the mutations
// leave the H.264 itself intact (frames split in parts, extra frames it must drop), its segments still pass all our
// TS checks and decode cleanly with ffmpeg.
import { afterAll, describe, expect, test } from "vitest";
import fc from "fast-check";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { DROP_REASONS } from "../src/core-types.js";
import { accessUnits } from "./support/annexb.js";
import { checkPackets, checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, fixturePath, tempDir } from "./support/media-tools.js";
import { adtsFrames } from "./support/adts.js";
import { xorshiftBytes } from "./support/random-bytes.js";

const tmp = tempDir("core-fuzz-");
afterAll(() => tmp.cleanup());

const FRAME_US = 40_000;
const baseline = accessUnits(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264"))));
const multislice = accessUnits(new Uint8Array(readFileSync(fixturePath("video/multislice-320x240-25fps.h264"))));
const adts = adtsFrames(new Uint8Array(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac"))));

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

/** What one fuzz run observed: copies of every segment, in order. */
class Collector {
  segments: Uint8Array[] = [];
  videoFramesOut = 0;
  constructor(private readonly core: MuxerCore) {}
  drain(): void {
    for (let s = this.core.takeSegment(); s; s = this.core.takeSegment()) {
      expect(s.byteLength).toBe(s.parts.reduce((n, p) => n + p.length, 0));
      expect(s.parts.length).toBeLessThanOrEqual(2);
      this.segments.push(concat(s.parts));
      this.videoFramesOut += s.videoFrames;
      this.core.release(s.id);
    }
  }
  /** Transport-level rules over the whole run: 188-byte packets, sync bytes, continuity across segments. */
  transportViolations(): string[] {
    let cc: Map<number, number> | undefined;
    const all: string[] = [];
    this.segments.forEach((bytes, i) => {
      const r = checkPackets(bytes, cc);
      all.push(...r.violations.map((v) => `segment ${i}: ${v}`));
      cc = r.lastCc;
    });
    return all;
  }
}

type Op =
  | { kind: "video"; parts: Uint8Array[]; ptsUs: number; dtsUs?: number }
  | { kind: "audio"; parts: Uint8Array[]; ptsUs: number }
  | { kind: "flush" };

async function runOps(ops: Op[], options: { bufferSize: number; maxFrameSize?: number; overflowPolicy?: "drop-oldest" | "drop-new" }) {
  const core = await MuxerCore.create({ segmentDuration: 1, ...options });
  const out = new Collector(core);
  const reasons: (string | undefined)[] = [];
  for (const op of ops) {
    if (op.kind === "video") reasons.push(core.putVideo(op.parts, op.ptsUs, op.dtsUs));
    else if (op.kind === "audio") reasons.push(core.putAudio(op.parts, op.ptsUs));
    else {
      core.flush();
      reasons.push(undefined); // keeps reasons[i] aligned with ops[i]
    }
    out.drain();
  }
  core.flush();
  out.drain();
  return { out, reasons, stats: core.stats() };
}

// ---- arbitraries ------------------------------------------------------------------------------------------------
// Arbitraries generate small descriptions (frame index, cut point, mutation), materialised into bytes only when the
// property runs, so that a failing case prints in a few lines and can be replayed by hand.

type Mutation =
  | { keep: true }
  | { truncateTo: number }
  | { flip: [number, number][] }
  | { randomBytes: number; seed: number }
  | { oversized: number };

interface FrameStep {
  frame: number;
  mutation: Mutation;
  /** 0: one part; otherwise the frame is cut in two parts this many bytes in (modulo its length). */
  cut: number;
  /** Added to the frame's slot on the 40 ms grid: 0 normally, negative to go back, positive to jump. */
  jitter: number;
  withAudio: boolean;
}

// withCrossShrink: a failing case shrinks towards the first branch ("keep"), leaving only the mutations that matter.
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { withCrossShrink: true },
  { weight: 4, arbitrary: fc.constant({ keep: true as const }) },
  { weight: 1, arbitrary: fc.nat({ max: 5000 }).map((n) => ({ truncateTo: n })) },
  { weight: 2, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flip) => ({ flip })) },
  { weight: 1, arbitrary: fc.record({ randomBytes: fc.nat({ max: 4000 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.integer({ min: 70_000, max: 300_000 }).map((n) => ({ oversized: n })) },
);

const pseudoRandomBytes = (length: number, seed: number) => xorshiftBytes(length, seed | 1);

function materialise(frame: Uint8Array, m: Mutation): Uint8Array {
  if ("truncateTo" in m) return frame.subarray(0, Math.min(m.truncateTo, frame.length));
  if ("flip" in m) {
    const copy = frame.slice();
    for (const [at, mask] of m.flip) copy[at % copy.length]! ^= mask;
    return copy;
  }
  if ("randomBytes" in m) return pseudoRandomBytes(m.randomBytes, m.seed);
  if ("oversized" in m) {
    const big = new Uint8Array(m.oversized);
    big.set(frame.subarray(0, Math.min(m.oversized, frame.length)));
    return big;
  }
  return frame;
}

function partsAt(frame: Uint8Array, cut: number): Uint8Array[] {
  const at = frame.length > 1 && cut > 0 ? 1 + (cut % (frame.length - 1)) : 0;
  return at === 0 ? [frame] : [frame.subarray(0, at), frame.subarray(at)];
}

const frameStep: fc.Arbitrary<Omit<FrameStep, "frame">> = fc.record({
  mutation,
  cut: fc.oneof({ withCrossShrink: true }, fc.constant(0), fc.nat()),
  jitter: fc.oneof({ withCrossShrink: true }, { weight: 6, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: -5, max: 2 }) }),
  withAudio: fc.boolean(),
});

/** A run of consecutive fixture frames, each possibly mutated, split, mistimed, with audio between them. */
const mutatedStream = fc
  .record({
    fixture: fc.constantFrom("baseline", "multislice"),
    start: fc.integer({ min: 0, max: 40 }),
    steps: fc.array(frameStep, { minLength: 1, maxLength: 60 }),
  })
  .map(({ fixture, start, steps }) => ({
    fixture,
    steps: steps.slice(0, 75 - start).map((s, i): FrameStep => ({ ...s, frame: start + i })),
  }));

function streamOps({ fixture, steps }: { fixture: string; steps: FrameStep[] }): Op[] {
  const frames = fixture === "baseline" ? baseline : multislice;
  return steps.flatMap((s): Op[] => {
    const t = (s.frame + s.jitter) * FRAME_US;
    const video: Op = { kind: "video", parts: partsAt(materialise(frames[s.frame]!, s.mutation), s.cut), ptsUs: t, dtsUs: t };
    return s.withAudio ? [video, { kind: "audio", parts: [adts[s.frame % adts.length]!], ptsUs: t }] : [video];
  });
}

/** Between two real frames: nothing, or a frame the core must refuse. */
type Junk = { none: true } | { noStartCode: number; seed: number } | { oversized: true } | { replayBack: number };

const junk: fc.Arbitrary<Junk> = fc.oneof(
  { withCrossShrink: true },
  { weight: 3, arbitrary: fc.constant({ none: true as const }) },
  { weight: 1, arbitrary: fc.record({ noStartCode: fc.integer({ min: 1, max: 500 }), seed: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ oversized: true as const }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 10 }).map((back) => ({ replayBack: back })) },
);

function intactOps(steps: { cut: number; junk: Junk }[]): Op[] {
  return steps.flatMap((s, i): Op[] => {
    const real: Op = { kind: "video", parts: partsAt(baseline[i]!, s.cut), ptsUs: i * FRAME_US, dtsUs: i * FRAME_US };
    const j = s.junk;
    const between = (i + 0.5) * FRAME_US;
    if ("noStartCode" in j) {
      // No zero bytes at all, so no start code.
      const bytes = pseudoRandomBytes(j.noStartCode, j.seed).map((x) => x || 7);
      return [{ kind: "video", parts: [bytes], ptsUs: between }, real];
    }
    if ("oversized" in j) return [{ kind: "video", parts: [new Uint8Array(200_000).fill(0x11)], ptsUs: between }, real];
    // An earlier frame again with its old timestamp (only once there is a timeline to go back on).
    if ("replayBack" in j && i - j.replayBack >= 0) {
      return [{ kind: "video", parts: [baseline[i - j.replayBack]!], ptsUs: (i - j.replayBack) * FRAME_US }, real];
    }
    return [real];
  });
}

// ---- properties -------------------------------------------------------------------------------------------------

describe("MuxerCore under random and mutated input", () => {
  test("random bytes as video and audio frames: no throw, only known drop reasons, well-formed TS", async () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("video" as const), parts: fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 2 }), ptsUs: fc.integer({ min: -1e9, max: 1e12 }) }),
      fc.record({ kind: fc.constant("audio" as const), parts: fc.array(fc.uint8Array({ maxLength: 1500 }), { maxLength: 2 }), ptsUs: fc.integer({ min: -1e9, max: 1e12 }) }),
      fc.constant({ kind: "flush" as const }),
    );
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(op, { maxLength: 60 }), async (primed, ops) => {
        // Primed: a real IDR access unit first, so the random frames reach the muxer instead of the keyframe wait.
        const first: Op[] = primed ? [{ kind: "video", parts: [baseline[0]!], ptsUs: -1e9 - 1 }] : [];
        const { out, reasons } = await runOps([...first, ...ops], { bufferSize: 256 * 1024 });
        for (const r of reasons) expect(DROP_REASONS).toContain(r);
        expect(out.transportViolations()).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  test("mutated fixture frames (truncated, flipped, random, oversized, split, timestamps back): no throw, well-formed TS, counts add up", async () => {
    await fc.assert(
      fc.asyncProperty(mutatedStream, fc.constantFrom("drop-oldest" as const, "drop-new" as const), async (stream, overflowPolicy) => {
        const ops = streamOps(stream);
        const { out, reasons, stats } = await runOps(ops, { bufferSize: 128 * 1024, maxFrameSize: 64 * 1024, overflowPolicy });
        for (const r of reasons) expect(DROP_REASONS).toContain(r);
        expect(out.transportViolations()).toEqual([]);
        // The H.264 inside may be damaged, but the TS rules (PAT/PMT, PCR, AUD+SPS+PPS+IDR first, PES) still hold,
        // and a PMT announces only the streams its segment carries.
        for (const [i, r] of checkSegments(out.segments).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
        const videoOps = ops.map((o, i) => [o, reasons[i]] as const).filter(([o]) => o.kind === "video");
        const refused = videoOps.filter(([, r]) => r !== undefined).length;
        // An access unit with parameter sets but no picture is taken silently and not counted as a frame.
        expect(stats.videoFramesIn).toBeLessThanOrEqual(videoOps.length);
        // Every refusal is counted; frames dropped later with a whole segment are counted too.
        expect(stats.videoFramesDropped).toBeGreaterThanOrEqual(refused);
        expect(out.videoFramesOut + refused).toBeLessThanOrEqual(videoOps.length);
      }),
      { numRuns: 40 },
    );
  });

  test("intact H.264 with extra frames to drop and frames split in parts: every segment passes all TS checks and decodes", async () => {
    // Mutations that leave the real stream decodable: each real frame may be split in two parts, and between real
    // frames the core may get a frame it must refuse (no start code, oversized, a timestamp from the past).
    let sampled = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ cut: fc.oneof(fc.constant(0), fc.nat()), junk }), { minLength: baseline.length, maxLength: baseline.length }),
        async (steps) => {
          const ops = intactOps(steps);
          const { out } = await runOps(ops, { bufferSize: 2 * 1024 * 1024, maxFrameSize: 128 * 1024 });
          expect(out.segments.length).toBeGreaterThan(0);
          for (const [i, r] of checkSegments(out.segments).entries()) expect(r.violations, `segment ${i}`).toEqual([]);
          // ffmpeg is slow next to the core: decode the first and last segment of each run.
          for (const i of new Set([0, out.segments.length - 1])) {
            const file = join(tmp.path, `run${sampled++}.ts`);
            writeFileSync(file, out.segments[i]!);
            expect(await decodeErrors(file), `segment ${i}`).toBe("");
          }
        },
      ),
      { numRuns: 8 },
    );
  });

  test("a small ring and a slow uploader: overflow drops whole segments or frames, held views never change", async () => {
    let runsThatOverflowed = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("drop-oldest" as const, "drop-new" as const),
        fc.integer({ min: 40, max: 160 }), // ring size in KiB (the baseline fixture is about 17 KiB per second)
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 75, maxLength: 75 }), // segments held back after each frame
        async (overflowPolicy, ringKiB, holdAfter) => {
          const core = await MuxerCore.create({ bufferSize: ringKiB * 1024, maxFrameSize: 16 * 1024, segmentDuration: 0.5, overflowPolicy });
          const held: { id: number; parts: Uint8Array[]; copy: Uint8Array }[] = [];
          const released: Uint8Array[] = [];
          const reasons: (string | undefined)[] = [];
          const releaseDownTo = (keep: number) => {
            while (held.length > keep) {
              const h = held.shift()!;
              // Still live: its views must hold exactly the bytes they held when taken.
              if (core.isLive(h.id)) {
                expect(Buffer.compare(concat(h.parts), h.copy), `segment ${h.id} changed while held`).toBe(0);
                released.push(h.copy);
              }
              core.release(h.id);
            }
          };
          baseline.forEach((frame, i) => {
            reasons.push(core.putVideo([frame], i * FRAME_US, i * FRAME_US));
            for (let s = core.takeSegment(); s; s = core.takeSegment()) held.push({ id: s.id, parts: s.parts, copy: concat(s.parts) });
            releaseDownTo(holdAfter[i]!);
          });
          core.flush();
          for (let s = core.takeSegment(); s; s = core.takeSegment()) held.push({ id: s.id, parts: s.parts, copy: concat(s.parts) });
          releaseDownTo(0);
          for (const r of reasons) expect(DROP_REASONS).toContain(r);
          const stats = core.stats();
          expect(stats.bufferHighWater).toBeLessThanOrEqual(stats.bufferCapacity);
          if (stats.segmentsDropped > 0 || reasons.includes("buffer-full")) runsThatOverflowed++;
          // Every segment that made it out whole is a complete, independently decodable segment.
          for (const bytes of released) expect(checkSegments([bytes])[0]!.violations).toEqual([]);
        },
      ),
      { numRuns: 30 },
    );
    // The sizes above are chosen so that the ring does overflow in some runs; otherwise this test proves nothing.
    expect(runsThatOverflowed).toBeGreaterThan(0);
  });
});
