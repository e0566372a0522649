// `ipc-hls mux` on inputs other than a clean file: standard input, a stream that starts between keyframes (as a
// camera joining mid-GOP), and bad files. Judged by ffmpeg/ffprobe and our TS checker, like the conformance tests.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { accessUnits } from "./support/annexb.js";
import { checkSegments } from "./support/ts-inspect.js";
import { decodeErrors, fixturePath, frameHashes, probeStreams, repoRoot, tempDir } from "./support/media-tools.js";
import { collectOutput, ipcHlsMux, runCli } from "./support/mux-run.js";

const tmp = tempDir("mux-input-");
afterAll(() => tmp.cleanup());
const dir = (name: string) => {
  const path = join(tmp.path, name);
  mkdirSync(path, { recursive: true });
  return path;
};

describe("standard input", () => {
  const input = fixturePath("video/high-bframes-320x240-25fps.h264");

  test("a shell pipe into - gives the same segments and playlist as reading the file", async () => {
    const fromFile = await ipcHlsMux(input, "25", dir("file"));
    const out = dir("shell-pipe");
    const bin = join(repoRoot, "bin/ipc-hls");
    const r = spawnSync("sh", ["-c", `cat "$1" | "$2" "$3" mux - --fps 25 --out "$4"`, "sh", input, process.execPath, bin, out], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    const fromPipe = collectOutput(out);
    expect(fromPipe.segments.length).toBeGreaterThan(0);
    expect(fromPipe.playlistText).toBe(fromFile.playlistText);
    fromPipe.segments.forEach((s, i) => expect(Buffer.compare(s.bytes, fromFile.segments[i]!.bytes), s.uri).toBe(0));
  });

  test("standard input that is a socket (the command spawned by a Node program) works too", async () => {
    const fromFile = await ipcHlsMux(input, "25", dir("file2"));
    const fromSocket = await ipcHlsMux("-", "25", dir("socket"), [], input);
    expect(fromSocket.stderr).toBe("");
    expect(fromSocket.exitCode).toBe(0);
    expect(fromSocket.segments.map((s) => s.bytes.length)).toEqual(fromFile.segments.map((s) => s.bytes.length));
  });
});

describe("a raw stream that starts between keyframes", () => {
  // The baseline fixture from its 21st access unit: 5 P-frames, then IDRs at 25 and 50.
  const skipped = 20;
  const firstIdr = 25;
  let cut: string;
  let fromIdr: string;
  beforeAll(() => {
    const data = new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
    const aus = accessUnits(data);
    const offset = (k: number) => aus[k]!.byteOffset - aus[0]!.byteOffset;
    cut = join(tmp.path, "mid-gop.h264");
    fromIdr = join(tmp.path, "from-idr.h264");
    writeFileSync(cut, data.subarray(offset(skipped)));
    writeFileSync(fromIdr, data.subarray(offset(firstIdr)));
  });

  test("frames before the first IDR are left out; the rest decode cleanly, pass the TS checks and match ffmpeg's pictures", async () => {
    const mux = await ipcHlsMux(cut, "25", dir("mid-gop"));
    expect(mux.exitCode, mux.stderr).toBe(0);
    let frames = 0;
    for (const s of mux.segments) {
      expect(await decodeErrors(s.path), s.uri).toBe("");
      frames += (await probeStreams(s.path, true))[0]!.frames!;
    }
    expect(frames).toBe(75 - firstIdr);
    for (const [i, r] of checkSegments(mux.segments.map((s) => s.bytes)).entries()) {
      expect.soft(r.violations, mux.segments[i]!.uri).toEqual([]);
    }
    expect(await frameHashes(mux.concatenatedPath)).toEqual(await frameHashes(fromIdr));
  });
});

describe("bad input files", () => {
  const garbage = () => {
    const path = join(tmp.path, "garbage.bin");
    // Deterministic bytes with no H.264 start code and no ADTS syncword (0x00 and 0xff never occur).
    writeFileSync(path, Uint8Array.from({ length: 20_000 }, (_, i) => 1 + ((i * 7919) % 250)));
    return path;
  };

  test("a missing input file is a usage error (exit 2) that names the file", async () => {
    const r = await runCli(["mux", join(tmp.path, "nope.h264"), "--fps", "25", "--out", dir("missing")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nope\.h264/);
  });

  test("a bad --fps is a usage error", async () => {
    const r = await runCli(["mux", fixturePath("video/baseline-320x240-25fps.h264"), "--fps", "0", "--out", dir("fps")]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--fps/);
  });

  test("a file with no H.264 in it fails with a message on stderr and writes no segment", async () => {
    const out = dir("garbage");
    const r = await runCli(["mux", garbage(), "--fps", "25", "--out", out]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr.trim(), "an explanation on stderr").not.toBe("");
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    const mux = await ipcHlsMux(garbage(), "25", out);
    expect(mux.tsFiles).toEqual([]);
  });
});
