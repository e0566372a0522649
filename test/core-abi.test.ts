// The core's contract (assembly/abi.ts) and the host's copy of it (src/core-abi.ts, generated): they must agree,
// the structs' words must be distinct, and nothing may read the structs by a bare position again.
import { describe, expect, test } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { generate } from "../scripts/core-abi.mjs";
import * as abi from "../src/core-abi.js";
import { DROP_REASONS } from "../src/core-types.js";
import { MuxerCore } from "../src/core.js";
import { accessUnits } from "./support/annexb.js";
import { parseTs } from "./support/ts-inspect.js";
import { fixturePath } from "./support/media-tools.js";
import { underQemuUser } from "./support/qemu-user.mjs";

const source = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), "utf8");

describe("the core's contract", () => {
  test("src/core-abi.ts is what assembly/abi.ts generates (npm run build)", () => {
    expect(source("src/core-abi.ts")).toBe(generate());
  });

  test("a value changed on one side only is caught", () => {
    const original = source("assembly/abi.ts");
    const changed = original.replace("INFO_WIDTH: u32 = 11;", "INFO_WIDTH: u32 = 12;");
    expect(changed).not.toBe(original);
    expect(generate(changed)).not.toBe(source("src/core-abi.ts"));
  });

  test("a line the generator does not understand fails the build instead of being left out", () => {
    expect(() => generate("export const INFO_X = 3;\n")).toThrow(/not a plain constant/);
    expect(() => generate("export const DROP_A: i32 = 1;\nexport const DROP_B: i32 = 1;\n")).toThrow(/twice/);
    expect(() => generate("export const DROP_A: i32 = 2;\n")).toThrow(/no drop reason has code 1/);
  });

  test.each([
    ["INFO_", abi.INFO_WORDS],
    ["STATS_", abi.STATS_WORDS],
    ["RS_", abi.RS_WORDS],
  ])("the %s words are distinct and fill the struct", (prefix, words) => {
    const indexes = Object.entries(abi)
      .filter(([name]) => name.startsWith(prefix) && !name.endsWith("_WORDS"))
      .map(([, value]) => value as number)
      .sort((a, b) => a - b);
    expect(indexes).toEqual([...Array(words).keys()]);
  });

  test("DROP_REASONS are the core's codes, named after them", () => {
    expect(DROP_REASONS[abi.OK]).toBeUndefined();
    expect(DROP_REASONS[abi.DROP_FRAME_TOO_LARGE]).toBe("frame-too-large");
    expect(DROP_REASONS[abi.DROP_AUDIO_UNSUPPORTED]).toBe("audio-unsupported");
    expect(new Set(DROP_REASONS).size).toBe(DROP_REASONS.length);
  });

  test("no file reads the core's structs by a bare position", () => {
    const readers = ["assembly/index.ts", "assembly/wasi.ts", "assembly/muxer.ts", "src/core.ts", "src/raw-streams.ts", "bench/throughput.js"];
    const bare = /\b(?:INFO|STATS|RAW_STATUS) \+ \d|\binfo\(\d|\bstatsAt \+ \d|\b[iswd]\[\d+\]|\bw\[\d|rawStatus\(\d|\+ \d+\);? \/\/ (?:stats|info)/;
    for (const file of readers) {
      const lines = source(file).split("\n").filter((line) => bare.test(line));
      expect(lines, file).toEqual([]);
    }
  });
});

test("assembly/: imports run one way (no cycle), only wasi.ts imports index.ts, only ring.ts knows the segment table", () => {
  const files = readdirSync(new URL("../assembly/", import.meta.url)).filter((f) => f.endsWith(".ts"));
  const imports = new Map(files.map((f) => [f.replace(/\.ts$/, ""), [...source(`assembly/${f}`).matchAll(/from "\.\/([\w-]+)"/g)].map((m) => m[1]!)]));
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, path: string[]): void => {
    if (state.get(name) === "done") return;
    expect(state.get(name), `import cycle: ${[...path, name].join(" → ")}`).not.toBe("visiting");
    state.set(name, "visiting");
    for (const next of imports.get(name) ?? []) visit(next, [...path, name]);
    state.set(name, "done");
  };
  for (const name of imports.keys()) visit(name, []);
  for (const [name, deps] of imports) {
    // (The WASI command is built on the boundary; nothing else is.)
    expect(deps.filter((d) => (d === "index" && name !== "wasi") || d === "wasi"), name).toEqual([]);
    if (name !== "ring" && name !== "layout") expect(source(`assembly/${name}.ts`), name).not.toMatch(/\bE_[A-Z_]+\b|\bsegmentTable\b/);
  }
});

// (Not under qemu-user, scripts/ci-arm.sh: tsc's verdict does not depend on the CPU, and emulated it takes 40-60 s.)
test.skipIf(underQemuUser())("bench/ type-checks against the host's types and the contract (tsconfig.bench.json, on the built dist/)", () => {
  const tsc = new URL("../node_modules/typescript/bin/tsc", import.meta.url).pathname;
  const project = new URL("../tsconfig.bench.json", import.meta.url).pathname;
  expect(() => execFileSync(process.execPath, [tsc, "-p", project], { encoding: "utf8" })).not.toThrow();
}, 60_000);

describe("the host reads each field from its word", () => {
  test("a segment's views, picture, keyframe bytes and counts; the stats; the raw status", async () => {
    const video = readFileSync(fixturePath("sample/sample-640x360-25fps.h264"));
    const core = await MuxerCore.create({ bufferSize: 4 << 20, segmentDuration: 2, overflowPolicy: "drop-new" });
    const units = accessUnits(video);
    const segments = [];
    let pts = 0;
    for (const au of units) {
      expect(core.putVideo([au], pts)).toBeUndefined();
      pts += 40_000;
      for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push(s);
    }
    core.flush();
    for (let s = core.takeSegment(); s; s = core.takeSegment()) segments.push(s);
    expect(segments.length).toBeGreaterThan(1);
    let frames = 0;
    for (const [k, s] of segments.entries()) {
      const bytes = Buffer.concat(s.parts);
      expect(s.seq).toBe(k);
      expect(bytes.length).toBe(s.byteLength);
      expect([s.width, s.height]).toEqual([640, 360]);
      expect(s.codecs).toMatch(/^avc1\.[0-9a-f]{6}$/);
      expect(s.durationUs).toBeCloseTo((s.durationTicks * 100) / 9, 6);
      expect(s.startPtsUs).toBe(k === 0 ? 0 : segments[k - 1]!.startPtsUs + segments[k - 1]!.durationUs);
      expect(s.discontinuity).toBe(false);
      expect(s.audio).toBeUndefined();
      // keyframeBytes: whole packets, and the first picture's PES ends exactly there.
      expect(s.keyframeBytes % 188).toBe(0);
      expect(s.keyframeBytes).toBeLessThan(s.byteLength);
      const head = parseTs(bytes.subarray(0, s.keyframeBytes));
      expect(head.pes.filter((p) => p.pid === 0x100).length).toBe(1);
      frames += s.videoFrames;
      core.release(s.id);
    }
    const stats = core.stats();
    expect(stats.videoFramesIn).toBe(units.length);
    expect(frames).toBe(units.length);
    expect(stats.videoFramesDropped).toBe(0);
    expect(stats.segmentsMade).toBe(segments.length);
    expect(stats.bufferCapacity).toBe(Math.floor((4 << 20) / 188) * 188);
    expect(stats.bufferUsed).toBe(0);
    expect(stats.bufferHighWater).toBeGreaterThan(0);
    expect(stats.tsPackets * 188).toBe(segments.reduce((n, s) => n + s.byteLength, 0));
    expect(stats.bytesIn).toBe(video.length);

    const raw = (await MuxerCore.create({ bufferSize: 4 << 20 })).raw;
    raw.rawStart(30000, 1001);
    raw.putRawVideo(video.subarray(0, abi.RAW_CHUNK_BYTES));
    expect(raw.rawStatus()).toMatchObject({ rate: [30000, 1001], streamRate: [25, 1], needsRate: false, audioFrames: 0, audioUnsupported: 0 });
  });
});
