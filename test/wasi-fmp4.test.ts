// build/ipc-hls.wasm --container fmp4 under wasmtime and node:wasi: the same files `./bin/ipc-hls mux --container
// fmp4` writes (init segments, .m4s segments, index.m3u8, byte for byte) and judged by tools we did not write:
// every segment joined to the init segment its EXT-X-MAP names decodes under ffmpeg -v error -xerror, ffprobe
// counts every input frame in init + all segments, m3u8-parser reads version 6, the maps and a target duration
// that no rounded EXTINF exceeds (RFC 8216 §4.3.3.1).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { decodeErrors, ffmpegSync, fixtureFacts, fixturePath, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";
import { parsePlaylist, runCli } from "./support/mux-run.js";
import { RUNTIMES, runWasi, type Runtime, type WasiRun } from "./support/wasi-run.js";

interface Case {
  name: string;
  /** Under fixtures/, or made in beforeAll under the temp dir's "made/". */
  video: string;
  audio?: string;
  extra?: string[];
  stdin?: boolean;
  /** ffprobe's frame count of the input, when not in fixtures/frame-counts.json. */
  frames?: number;
  /** The init segments the playlist must name, in order. */
  maps?: string[];
  /** No --container flag: the codec chooses (fMP4 for H.265). */
  byDefault?: boolean;
}

const CASES: Case[] = [
  { name: "H.264 + 48 kHz mono AAC", video: "video/av-1280x720-25fps.h264", audio: "audio/aac-lc-48000-mono.aac" },
  { name: "B-frames from standard input", video: "video/high-bframes-320x240-25fps.h264", stdin: true },
  { name: "29.97 fps, 1 s segments", video: "video/ntsc-320x240-29.97fps.h264", extra: ["--fps", "29.97", "--segment-duration", "1"] },
  // Every picture an IDR and a 64 KiB ring: many segments, moof and samples wrapping around the ring's end.
  { name: "50 segments through a 64 KiB ring", video: "made/all-idr.h264", extra: ["--fps", "25", "--segment-duration", "0.1", "--buffer-size", "65536"], frames: 150 },
  // New parameter sets mid-stream: init-2.mp4 and init-3.mp4, each after an EXT-X-MAP and a discontinuity.
  { name: "parameter sets change twice", video: "made/changing.h264", extra: ["--fps", "25"], frames: 0, maps: ["init.mp4", "init-2.mp4", "init-3.mp4"] },
  // H.265 with B-frames and no --container: fMP4 is H.265's default (codec.ts containerForCodec), on both sides.
  { name: "H.265 without --container", video: "video/hevc-bframes-320x240-25fps.h265", extra: ["--segment-duration", "0.5"], frames: 50, byDefault: true },
];

const facts = fixtureFacts();
const tmp = tempDir("wasi-fmp4-");
afterAll(() => tmp.cleanup());
const CHANGING = ["video/high-bframes-320x240-25fps.h264", "video/multislice-320x240-25fps.h264", "video/high-bframes-320x240-25fps.h264"];

beforeAll(() => {
  mkdirSync(join(tmp.path, "made"));
  ffmpegSync(["-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "150", "-c:v", "libx264", "-g", "1", "-bf", "0", "-f", "h264", join(tmp.path, "made/all-idr.h264")]);
  writeFileSync(join(tmp.path, "made/changing.h264"), Buffer.concat(CHANGING.map((p) => readFileSync(fixturePath(p)))));
});

const hostPath = (file: string) => (file.startsWith("made/") ? join(tmp.path, file) : fixturePath(file));
const expectedFrames = (c: Case) => (c.video === "made/changing.h264" ? CHANGING.reduce((n, p) => n + facts[p]!.frames, 0) : c.frames ?? facts[c.video]!.frames);

function filesIn(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

interface PlaylistSegment {
  uri: string;
  duration: number;
  discontinuity?: boolean;
  map?: { uri: string };
}

describe.each(CASES)("ipc-hls.wasm --container fmp4: $name", (c) => {
  const base = join(tmp.path, c.name.replace(/[^a-z0-9]+/gi, "_"));
  const cliOut = join(base, "cli");
  let cli: { exitCode: number; stdout: string; stderr: string };
  const runs = {} as Record<Runtime, { run: WasiRun; outDir: string }>;

  beforeAll(async () => {
    const audio = (path: string) => (c.audio ? ["--audio", path] : []);
    const options = [...(c.byDefault ? [] : ["--container", "fmp4"]), ...(c.extra ?? [])];
    cli = await runCli(["mux", c.stdin ? "-" : hostPath(c.video), "--out", cliOut, ...audio(c.audio ? hostPath(c.audio) : ""), ...options], c.stdin ? hostPath(c.video) : undefined);
    const inDir = c.video.startsWith("made/") ? tmp.path : join(repoRoot, "fixtures");
    for (const runtime of RUNTIMES) {
      const outDir = join(base, runtime.replace(":", "-"));
      mkdirSync(outDir, { recursive: true });
      const input = c.stdin ? ["-"] : [`in/${c.video}`];
      const run = await runWasi(runtime, [...input, "--out", "out", ...audio(`in/${c.audio}`), ...options], {
        dirs: { in: inDir, out: outDir },
        stdinFile: c.stdin ? hostPath(c.video) : undefined,
        stdinPipe: c.stdin,
      });
      runs[runtime] = { run, outDir };
    }
  }, 120_000);

  test("the CLI run worked (the reference)", () => {
    expect(cli.stderr).toBe("");
    expect(cli.exitCode).toBe(0);
  });

  test.each(RUNTIMES)("under %s: exit 0, nothing on stderr, the CLI's summary line, the same files byte for byte", (runtime) => {
    const { run, outDir } = runs[runtime];
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout.replace("→ out/index.m3u8", "→ OUT")).toBe(cli.stdout.replace(`→ ${cliOut}/index.m3u8`, "→ OUT"));
    const ours = filesIn(outDir);
    const reference = filesIn(cliOut);
    expect([...ours.keys()]).toEqual([...reference.keys()]);
    for (const [name, bytes] of reference) expect(ours.get(name)!.equals(bytes), name).toBe(true);
  });

  test("m3u8-parser: version 6, EXT-X-MAP on the first segment and where it changes, the RFC 8216 target duration", () => {
    const text = readFileSync(join(runs.wasmtime.outDir, "index.m3u8"), "utf8");
    expect(text).toMatch(/^#EXTM3U\n#EXT-X-VERSION:6\n/);
    const playlist = parsePlaylist(text);
    const segments = playlist.segments as unknown as PlaylistSegment[];
    expect(playlist.endList).toBe(true);
    expect(segments.length).toBeGreaterThan(1);
    expect(segments.every((s) => /^segment-\d{6}\.m4s$/.test(s.uri))).toBe(true);
    expect([...new Set(segments.map((s) => s.map?.uri))]).toEqual(c.maps ?? ["init.mp4"]);
    // A discontinuity exactly where the init segment changes (no other cause in these inputs).
    segments.forEach((s, i) => expect(Boolean(s.discontinuity), s.uri).toBe(i > 0 && s.map?.uri !== segments[i - 1]!.map?.uri));
    const longest = Math.max(...segments.map((s) => Math.round(s.duration)));
    expect(playlist.targetDuration).toBe(Math.max(1, longest));
  });

  test("each segment joined to its init segment decodes under ffmpeg -xerror; ffprobe counts every input frame", async () => {
    const { outDir } = runs.wasmtime;
    const segments = parsePlaylist(readFileSync(join(outDir, "index.m3u8"), "utf8")).segments as unknown as PlaylistSegment[];
    let frames = 0;
    for (const [i, s] of segments.entries()) {
      const joined = join(base, `joined-${i}.mp4`);
      writeFileSync(joined, Buffer.concat([readFileSync(join(outDir, s.map!.uri)), readFileSync(join(outDir, s.uri))]));
      expect(await decodeErrors(joined), s.uri).toBe("");
      const streams = await probeStreams(joined, true);
      frames += streams.find((x) => x.codecType === "video")?.frames ?? 0;
      expect(streams.some((x) => x.codecType === "audio"), s.uri).toBe(c.audio !== undefined);
    }
    expect(frames).toBe(expectedFrames(c));
  });
});

test("--container: a word other than ts or fmp4 is a usage error (exit 2), under both runtimes", async () => {
  for (const runtime of RUNTIMES) {
    const outDir = join(tmp.path, `bad-${runtime.replace(":", "-")}`);
    mkdirSync(outDir);
    const run = await runWasi(runtime, ["in/video/baseline-320x240-25fps.h264", "--out", "out", "--container", "mp4"], { dirs: { in: join(repoRoot, "fixtures"), out: outDir } });
    expect(run.exitCode, runtime).toBe(2);
    expect(run.stderr).toContain('--container must be ts or fmp4, got "mp4"');
    expect(readdirSync(outDir)).toEqual([]);
  }
});
