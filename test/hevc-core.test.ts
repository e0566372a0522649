// H.265 through the SDK's core (MuxerCore.putVideo, as a camera's frames arrive) and fuzzing of the HEVC parser:
// whole access units give segments ffmpeg decodes to the raw file's pictures; random and mutated bytes (frames
// or a raw stream) never make the core throw or trap, and everything it emits is well-formed TS.
import { afterAll, beforeAll, expect, test } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MuxerCore } from "../src/core.js";
import { DROP_REASONS } from "../src/core-types.js";
import { checkPackets } from "./support/ts-inspect.js";
import { decodeErrors, ffmpegSync, fixturePath, frameHashes, tempDir } from "./support/media-tools.js";
import { accessUnits, hevcAccessUnits } from "./support/annexb.js";
import { xorshiftBytes } from "./support/random-bytes.js";

const tmp = tempDir("hevc-core-");
afterAll(() => tmp.cleanup());

const FRAME_US = 1_001_000 / 30;
let rawFile = "";
let units: Uint8Array[] = [];

beforeAll(() => {
  rawFile = join(tmp.path, "nob.hevc");
  ffmpegSync([
    "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=30000/1001:duration=2",
    "-c:v", "libx265", "-pix_fmt", "yuv420p", "-b:v", "200k",
    "-x265-params", "log-level=error:pools=1:frame-threads=1:keyint=15:min-keyint=15:scenecut=0:open-gop=0:bframes=0:slices=2",
    "-f", "hevc", rawFile,
  ]);
  units = hevcAccessUnits(new Uint8Array(readFileSync(rawFile)));
}, 60_000);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
  return out;
}

function drain(core: MuxerCore, into: Uint8Array[]): void {
  for (let s = core.takeSegment(); s; s = core.takeSegment()) {
    into.push(concat(s.parts));
    core.release(s.id);
  }
}

test("HEVC frames through putVideo into TS: IRAP-cut segments that decode to the raw file's pictures, with an hvc1 codec string", async () => {
  expect(units.length).toBe(60);
  const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 1 << 20, container: "ts" });
  const segments: Uint8Array[] = [];
  const codecs = new Set<string>();
  units.forEach((u, i) => {
    expect(core.putVideo([u], i * FRAME_US)).toBeUndefined();
    for (let s = core.takeSegment(); s; s = core.takeSegment()) {
      codecs.add(s.codecs);
      expect([s.width, s.height]).toEqual([320, 240]);
      segments.push(concat(s.parts));
      core.release(s.id);
    }
  });
  core.flush();
  drain(core, segments);
  expect(segments.length).toBe(2); // IRAPs every 0.5 s, 1 s target: cut at every second one
  expect([...codecs]).toEqual(["hvc1.1.6.L60.90"]);
  const got: string[] = [];
  for (const [n, bytes] of segments.entries()) {
    const file = join(tmp.path, `sdk-${n}.ts`);
    writeFileSync(file, bytes);
    expect(await decodeErrors(file)).toBe("");
    got.push(...(await frameHashes(file)));
  }
  expect(got).toEqual(await frameHashes(rawFile));
});

test("videoCodec: \"h264\" muxes nothing of an HEVC stream; \"h265\" takes it; a bad value is a named option error", async () => {
  const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 1 << 20, videoCodec: "h264" });
  const reasons = new Set(units.slice(0, 20).map((u, i) => core.putVideo([u], i * FRAME_US)));
  expect(reasons.has("malformed")).toBe(true);
  core.flush();
  expect(core.takeSegment()).toBeUndefined();
  const forced = await MuxerCore.create({ segmentDuration: 1, bufferSize: 1 << 20, videoCodec: "h265" });
  expect(forced.putVideo([units[0]!], 0)).toBeUndefined();
  // @ts-expect-error: not a codec
  await expect(MuxerCore.create({ bufferSize: 1 << 20, videoCodec: "vp9" })).rejects.toThrow(/videoCodec must be "auto" or "h264" or "h265", got "vp9"/);
});

test("HEVC frames with container unset become fMP4 (the core's default for H.265): an init segment with every segment", async () => {
  const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 1 << 20 });
  units.slice(0, 20).forEach((u, k) => expect(core.putVideo([u], k * FRAME_US)).toBeUndefined());
  core.flush();
  const s = core.takeSegment()!;
  expect(s.init?.version).toBe(1);
  expect(Buffer.from(s.init!.bytes.subarray(4, 8)).toString()).toBe("ftyp");
  expect(Buffer.from(s.parts[0]!.subarray(4, 8)).toString()).toBe("moof");
});

test("auto-detection never takes an H.264 fixture for H.265: the same bytes as with videoCodec \"h264\"", async () => {
  for (const file of readdirSync(fixturePath("video")).filter((f) => f.endsWith(".h264"))) {
    const aus = accessUnits(new Uint8Array(readFileSync(fixturePath(`video/${file}`))));
    const run = async (videoCodec: "auto" | "h264") => {
      const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 4 << 20, videoCodec });
      const out: Uint8Array[] = [];
      aus.forEach((u, i) => {
        core.putVideo([u], i * 40_000);
        drain(core, out);
      });
      core.flush();
      drain(core, out);
      return Buffer.concat(out).toString("base64");
    };
    const auto = await run("auto");
    expect(auto.length, file).toBeGreaterThan(0);
    expect(auto === (await run("h264")), file).toBe(true);
  }
});

const pseudoRandomBytes = (length: number, seed: number) => xorshiftBytes(length, seed | 1);

type Mutation = { keep: true } | { truncateTo: number } | { flip: [number, number][] } | { randomBytes: number; seed: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { withCrossShrink: true },
  { weight: 3, arbitrary: fc.constant({ keep: true as const }) },
  { weight: 1, arbitrary: fc.nat({ max: 3000 }).map((n) => ({ truncateTo: n })) },
  { weight: 3, arbitrary: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }).map((flip) => ({ flip })) },
  { weight: 1, arbitrary: fc.record({ randomBytes: fc.nat({ max: 3000 }), seed: fc.nat() }) },
);

function materialise(frame: Uint8Array, m: Mutation): Uint8Array {
  if ("truncateTo" in m) return frame.subarray(0, Math.min(m.truncateTo, frame.length));
  if ("flip" in m) {
    const copy = frame.slice();
    for (const [at, mask] of m.flip) copy[at % copy.length]! ^= mask;
    return copy;
  }
  if ("randomBytes" in m) return pseudoRandomBytes(m.randomBytes, m.seed);
  return frame;
}

function transportViolations(segments: Uint8Array[]): string[] {
  let cc: Map<number, number> | undefined;
  const all: string[] = [];
  for (const bytes of segments) {
    const r = checkPackets(bytes, cc);
    all.push(...r.violations);
    cc = r.lastCc;
  }
  return all;
}

let madeSegments = 0;

test("mutated and random HEVC frames never trap the core; drops are named; the TS stays well-formed", async () => {
  // The parameter sets are the first unit, mutated too: a broken VPS/SPS/PPS must be refused, not trusted.
  await fc.assert(
    fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 60 }), async (steps) => {
      const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 256 * 1024, container: "ts" });
      const segments: Uint8Array[] = [];
      steps.forEach((m, i) => {
        const reason = core.putVideo([materialise(units[i]!, m)], i * FRAME_US);
        if (reason !== undefined) expect(DROP_REASONS).toContain(reason);
        drain(core, segments);
      });
      core.flush();
      drain(core, segments);
      expect(transportViolations(segments)).toEqual([]);
      madeSegments += segments.length;
    }),
    { numRuns: 200 },
  );
});

test("a mutated raw HEVC stream never traps the raw reader", async () => {
  const raw = new Uint8Array(readFileSync(rawFile));
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 40 }), fc.nat({ max: raw.length }), async (flips, cut) => {
      const bytes = raw.slice(0, Math.max(cut, 64));
      for (const [at, mask] of flips) bytes[at % bytes.length]! ^= mask;
      const core = await MuxerCore.create({ segmentDuration: 1, bufferSize: 256 * 1024, container: "ts" });
      core.raw.rawStart(30000, 1001);
      const segments: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += 4096) {
        core.raw.putRawVideo(bytes.subarray(at, at + 4096));
        drain(core, segments);
      }
      core.raw.endRawVideo();
      core.flush();
      drain(core, segments);
      expect(transportViolations(segments)).toEqual([]);
    }),
    { numRuns: 100 },
  );
  // The property also ran on streams intact enough to be muxed (it is not only testing refusals).
  expect(madeSegments).toBeGreaterThan(0);
});
