// build/ipc-hls.wasm, the core as a WASI command, under wasmtime and node:wasi: for the same input and options
// both write exactly the files `./bin/ipc-hls mux` writes (segments and index.m3u8, byte for byte), and those
// pass the conformance checks of tools we did not write (ffmpeg decodes every segment alone, ffprobe counts
// the frames, m3u8-parser reads the playlist) plus our independent TS checker.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, ffmpegSync, fixtureFacts, fixturePath, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";
import { collectOutput, ipcHlsMux, type MuxResult } from "./support/mux-run.js";
import { runUnderNodeWasi, runUnderWasmtime, type WasiRun } from "./support/wasi-run.js";

interface Case {
  name: string;
  /** Under fixtures/, or a file made in beforeAll under the temp dir's "made/". */
  video: string;
  audio?: string;
  fps: string;
  extra?: string[];
  /** Video from standard input ("-") instead of a path in a preopened directory. */
  stdin?: boolean;
  /** --out names a directory inside the preopened one (the command creates it). */
  outSubdir?: boolean;
  /** ffprobe's frame count of the input, when not in fixtures/frame-counts.json. */
  frames?: number;
  /** The duration the summary line must print (milliseconds rounded half up). */
  summarySeconds?: string;
}

const CASES: Case[] = [
  { name: "baseline, input from a preopened directory", video: "video/baseline-320x240-25fps.h264", fps: "25" },
  { name: "B-frames, input from standard input", video: "video/high-bframes-320x240-25fps.h264", fps: "25", stdin: true },
  { name: "29.97 fps, 1 s segments, --out inside the preopen", video: "video/ntsc-320x240-29.97fps.h264", fps: "29.97", extra: ["--segment-duration", "1"], outSubdir: true },
  { name: "video + 48 kHz mono AAC", video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-48000-mono.aac", fps: "25" },
  { name: "video from stdin + 44.1 kHz stereo AAC, 1.5 s", video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-44100-stereo.aac", fps: "25", extra: ["--segment-duration=1.5"], stdin: true },
  // 15 frames at 29.97 fps last 45045 ticks, 500.5 ms: both summaries round that half up.
  { name: "15 frames at 29.97 fps", video: "made/ntsc-15.h264", fps: "30000/1001", frames: 15, summarySeconds: "0.501" },
  // Every picture an IDR and a 64 KiB ring: 50 segments, many of them wrapping around the ring's end.
  { name: "50 segments through a 64 KiB ring", video: "made/all-idr.h264", fps: "25", extra: ["--segment-duration", "0.1", "--buffer-size", "65536"], frames: 150 },
];

const facts = fixtureFacts();
const tmp = tempDir("wasi-command-");
afterAll(() => tmp.cleanup());

beforeAll(() => {
  mkdirSync(join(tmp.path, "made"));
  ffmpegSync(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=30000/1001", "-frames:v", "15", "-c:v", "libx264", "-f", "h264", join(tmp.path, "made/ntsc-15.h264")]);
  ffmpegSync(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "150", "-c:v", "libx264", "-g", "1", "-bf", "0", "-f", "h264", join(tmp.path, "made/all-idr.h264")]);
});

const hostPath = (file: string) => (file.startsWith("made/") ? join(tmp.path, file) : fixturePath(file));

/** The files a run left in a directory: name → bytes. */
function filesIn(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

describe.each(CASES)("ipc-hls.wasm: $name", (c) => {
  const base = join(tmp.path, c.name.replace(/[^a-z0-9]+/gi, "_"));
  let cli: MuxResult;
  const runs: Record<string, { run: WasiRun; outDir: string }> = {};
  let wasmtimeMux: MuxResult;

  beforeAll(async () => {
    const audioArgs = c.audio ? ["--audio", hostPath(c.audio)] : [];
    cli = await ipcHlsMux(c.stdin ? "-" : hostPath(c.video), c.fps, join(base, "cli"), [...audioArgs, ...(c.extra ?? [])], c.stdin ? hostPath(c.video) : undefined);

    // The guest sees the inputs under "in" and writes under "out".
    const inDir = c.video.startsWith("made/") ? tmp.path : join(repoRoot, "fixtures");
    for (const runtime of ["wasmtime", "node:wasi"] as const) {
      const preopen = join(base, runtime.replace(":", "-"));
      mkdirSync(preopen, { recursive: true });
      const outArg = c.outSubdir ? "out/run" : "out";
      // Standard input as "-" under wasmtime, and as no input at all under node:wasi.
      const input = c.stdin ? (runtime === "wasmtime" ? ["-"] : []) : [`in/${c.video}`];
      const args = [...input, "--fps", c.fps, "--out", outArg, ...(c.audio ? ["--audio", `in/${c.audio}`] : []), ...(c.extra ?? [])];
      // Under wasmtime standard input is a pipe (reads may come back short), under node:wasi the file itself.
      const options = { dirs: { in: inDir, out: preopen }, stdinFile: c.stdin ? hostPath(c.video) : undefined, stdinPipe: c.stdin };
      const run = runtime === "wasmtime" ? (await runUnderWasmtime(args, options)).run : (await runUnderNodeWasi(args, options)).run;
      runs[runtime] = { run, outDir: c.outSubdir ? join(preopen, "run") : preopen };
    }
    wasmtimeMux = collectOutput(runs.wasmtime!.outDir);
  });

  test("the CLI run worked (the reference)", () => {
    expect(cli.stderr).toBe("");
    expect(cli.exitCode).toBe(0);
    expect(cli.segments.length).toBeGreaterThan(0);
  });

  test.each(["wasmtime", "node:wasi"])("under %s: exit 0, nothing on stderr, the CLI's summary line", (runtime) => {
    const { run } = runs[runtime]!;
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    // The summary names the --out argument; the rest is the CLI's line.
    const outArg = c.outSubdir ? "out/run" : "out";
    expect(run.stdout.replace(`→ ${outArg}/index.m3u8`, "→ OUT")).toBe(cli.stdout.replace(`→ ${join(base, "cli")}/index.m3u8`, "→ OUT"));
  });

  test.runIf(c.summarySeconds !== undefined)("the summary's duration: whole milliseconds, rounded half up", () => {
    expect(cli.stdout).toContain(` segments, ${c.summarySeconds} s, `);
  });

  test.each(["wasmtime", "node:wasi"])("under %s: the same files as ipc-hls mux, byte for byte", (runtime) => {
    const ours = filesIn(runs[runtime]!.outDir);
    const reference = filesIn(join(base, "cli"));
    expect([...ours.keys()]).toEqual([...reference.keys()]);
    for (const [name, bytes] of reference) expect(ours.get(name)!.equals(bytes), name).toBe(true);
  });

  test("every segment decodes alone: ffmpeg -v error -xerror prints nothing", async () => {
    expect(wasmtimeMux.segments.length).toBe(cli.segments.length);
    for (const s of wasmtimeMux.segments) expect(await decodeErrors(s.path), s.uri).toBe("");
  });

  test("our TS checks pass; the segments hold every input frame (ffprobe's count) and the audio stream", async () => {
    const reports = checkSegments(wasmtimeMux.segments.map((s) => s.bytes));
    reports.forEach((r, i) => expect(r.violations, wasmtimeMux.segments[i]!.uri).toEqual([]));
    let frames = 0;
    for (const s of wasmtimeMux.segments) {
      const streams = await probeStreams(s.path, true);
      frames += streams.find((x) => x.codecType === "video")?.frames ?? 0;
      expect(streams.some((x) => x.codecType === "audio"), s.uri).toBe(c.audio !== undefined);
    }
    expect(frames).toBe(c.frames ?? facts[c.video]!.frames);
  });

  test("m3u8-parser reads the playlist: every segment, in order, ENDLIST, integer TARGETDURATION", () => {
    const pl = wasmtimeMux.playlist;
    expect(pl.endList).toBe(true);
    expect(Number.isInteger(pl.targetDuration)).toBe(true);
    expect(pl.segments.map((s) => s.uri)).toEqual(wasmtimeMux.tsFiles);
    for (const s of pl.segments) expect(Math.round(s.duration)).toBeLessThanOrEqual(pl.targetDuration!);
  });
});
