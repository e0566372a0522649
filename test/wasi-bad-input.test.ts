// Bad input to build/ipc-hls.wasm, under wasmtime and node:wasi: usage mistakes, missing files, garbage and
// damaged streams end in a message on stderr and a non-zero exit (2 for usage, 1 otherwise), never in a trap.
// Where the input is readable but damaged, the command must still write what `ipc-hls mux` writes.
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fixturePath, tempDir } from "./support/media-tools.js";
import { nalUnits } from "./support/annexb.js";
import { runCli } from "./support/mux-run.js";
import { adtsFrames } from "./support/adts.js";
import { RUNTIMES, runWasi, type Runtime, type WasiRun } from "./support/wasi-run.js";
import { xorshiftBytes } from "./support/random-bytes.js";

const tmp = tempDir("wasi-bad-input-");
afterAll(() => tmp.cleanup());
const inDir = join(tmp.path, "in");

const noise = (length: number, seed: number) => xorshiftBytes(length, seed >>> 0 || 1);

beforeAll(() => {
  mkdirSync(inDir);
  writeFileSync(join(inDir, "garbage.h264"), noise(64 * 1024, 1));
  writeFileSync(join(inDir, "garbage.aac"), noise(16 * 1024, 2));
  // AAC Main: the LC fixture with each ADTS header's profile bits cleared.
  const main = Buffer.from(readFileSync(fixturePath("audio/aac-lc-48000-mono.aac")));
  for (const frame of adtsFrames(main)) frame[2] = frame[2]! & 0x3f;
  writeFileSync(join(inDir, "main.aac"), main);
  writeFileSync(join(inDir, "empty.h264"), new Uint8Array(0));
  const video = readFileSync(fixturePath("video/high-bframes-320x240-25fps.h264"));
  writeFileSync(join(inDir, "good.h264"), video);
  writeFileSync(join(inDir, "truncated.h264"), video.subarray(0, Math.floor(video.length * 0.6) + 7));
  // One byte in 500 overwritten with noise: damaged slices, broken start codes, bogus NAL headers.
  const damaged = Buffer.from(video);
  const bytes = noise(damaged.length, 3);
  for (let i = 100; i < damaged.length; i += 500) damaged[i] = bytes[i]!;
  writeFileSync(join(inDir, "damaged.h264"), damaged);
  mkdirSync(join(inDir, "a-directory"));
  // Only the non-IDR slices: pictures the core parses but can never start a segment with.
  const units = nalUnits(video);
  const slices = units.flatMap((u, i) => (u.type === 1 ? [video.subarray(u.offset, units[i + 1]?.offset ?? video.length)] : []));
  writeFileSync(join(inDir, "no-idr.h264"), Buffer.concat(slices));
});

let runNumber = 0;
/** Runs the command with "in" and a fresh "out" preopened; returns the run and the host out directory. */
async function run(runtime: Runtime, args: string[], stdinFile?: string): Promise<{ run: WasiRun; out: string }> {
  const out = join(tmp.path, `out-${++runNumber}`);
  mkdirSync(out);
  return { run: await runWasi(runtime, args, { dirs: { in: inDir, out }, stdinFile }), out };
}

function expectCleanFailure(r: WasiRun, exitCode: number, message: RegExp): void {
  expect(r.trapped, r.stderr).toBe(false);
  expect(r.exitCode, r.stderr).toBe(exitCode);
  expect(r.stderr).toMatch(/^ipc-hls: /);
  expect(r.stderr).toMatch(message);
}

// hint: the message ends with "Run with --help" (option mistakes; not for files that are missing).
const USAGE_CASES: { name: string; args: string[]; message: RegExp; hint?: boolean }[] = [
  { name: "missing input file", hint: false, args: ["in/nope.h264", "--fps", "25", "--out", "out"], message: /input "in\/nope\.h264" not found/ },
  { name: "input outside every preopened directory", hint: false, args: ["/etc/hostname", "--fps", "25", "--out", "out"], message: /not in a preopened directory/ },
  { name: "input is a directory", hint: false, args: ["in/a-directory", "--fps", "25", "--out", "out"], message: /is a directory/ },
  { name: "missing audio file", hint: false, args: ["in/good.h264", "--audio", "in/nope.aac", "--fps", "25", "--out", "out"], message: /audio input "in\/nope\.aac" not found/ },
  { name: "--fps beyond the core's terms", args: ["in/good.h264", "--fps", "4294967295/4294967294", "--out", "out"], message: /bad --fps/ },
  { name: "--fps abc", args: ["in/good.h264", "--fps", "abc", "--out", "out"], message: /bad --fps.*"abc"/ },
  { name: "--fps 0", args: ["in/good.h264", "--fps", "0", "--out", "out"], message: /bad --fps/ },
  { name: "--fps 2000", args: ["in/good.h264", "--fps", "2000", "--out", "out"], message: /bad --fps/ },
  { name: "--fps 25/0", args: ["in/good.h264", "--fps=25/0", "--out", "out"], message: /bad --fps/ },
  { name: "--fps -25", args: ["in/good.h264", "--fps", "-25", "--out", "out"], message: /bad --fps/ },
  { name: "--segment-duration 0", args: ["in/good.h264", "--fps", "25", "--out", "out", "--segment-duration", "0"], message: /bad --segment-duration/ },
  { name: "--segment-duration 61", args: ["in/good.h264", "--fps", "25", "--out", "out", "--segment-duration", "61"], message: /bad --segment-duration/ },
  { name: "--buffer-size beyond the fixed memory", args: ["in/good.h264", "--fps", "25", "--out", "out", "--buffer-size", "16777216"], message: /bad --buffer-size/ },
  { name: "--out missing", args: ["in/good.h264", "--fps", "25"], message: /--out <dir> is required/ },
  { name: "--out not preopened", args: ["in/good.h264", "--fps", "25", "--out", "/elsewhere"], message: /--out is not in a preopened directory/ },
  { name: "unknown option", args: ["in/good.h264", "--fps", "25", "--out", "out", "--bogus"], message: /unknown option "--bogus"/ },
  { name: "option without its value", args: ["in/good.h264", "--out", "out", "--fps"], message: /missing value for option "--fps"/ },
  { name: "two inputs", args: ["in/good.h264", "in/good.h264", "--fps", "25", "--out", "out"], message: /give one input/ },
];

describe.each(RUNTIMES)("ipc-hls.wasm under %s", (runtime) => {
  test.each(USAGE_CASES)("$name: exit 2 with a message, no trap, nothing written", async ({ args, message, hint }) => {
    const { run: r, out } = await run(runtime, args);
    expectCleanFailure(r, 2, message);
    if (hint !== false) expect(r.stderr).toMatch(/Run with --help for the options\.\n$/);
    expect(readdirSync(out)).toEqual([]);
  });

  test("--help: the usage on stdout, exit 0", async () => {
    const { run: r } = await run(runtime, ["--help"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^Usage: ipc-hls\.wasm \[input\.h264\|input\.hevc\|-\] --out <dir> \[--fps <rate>\]/);
    expect(r.stdout).toContain("--container ts|fmp4");
    expect(r.stderr).toBe("");
  });

  test("garbage bytes: exit 1 with ipc-hls mux's message, no trap, an empty playlist", async () => {
    const { run: r, out } = await run(runtime, ["in/garbage.h264", "--fps", "25", "--out", "out"]);
    expectCleanFailure(r, 1, /no H.264 access unit found in in\/garbage\.h264/);
    const cli = await runCli(["mux", join(inDir, "garbage.h264"), "--fps", "25", "--out", join(tmp.path, `cli-garbage-${runtime}`)]);
    expect(cli.exitCode).toBe(1);
    expect(r.stderr).toBe(cli.stderr.replace(/^ipc-hls mux: /, "ipc-hls: ").replaceAll(inDir, "in"));
    expect(readdirSync(out)).toEqual(["index.m3u8"]);
    expect(readFileSync(join(out, "index.m3u8"), "utf8")).toBe(readFileSync(join(tmp.path, `cli-garbage-${runtime}`, "index.m3u8"), "utf8"));
  });

  test("pictures but no SPS/PPS/IDR: exit 1 with ipc-hls mux's message, no trap", async () => {
    const { run: r } = await run(runtime, ["in/no-idr.h264", "--fps", "25", "--out", "out"]);
    expectCleanFailure(r, 1, /no segment: none of the \d+ access units could start one/);
    const cli = await runCli(["mux", join(inDir, "no-idr.h264"), "--fps", "25", "--out", join(tmp.path, `cli-no-idr-${runtime}`)]);
    expect(cli.exitCode).toBe(1);
    expect(r.stderr).toBe(cli.stderr.replace(/^ipc-hls mux: /, "ipc-hls: "));
  });

  test.each([
    { audio: "garbage.aac", message: /no ADTS AAC frame found in in\/garbage\.aac/ },
    { audio: "good.h264", message: /no ADTS AAC frame found in in\/good\.h264/ },
    { audio: "main.aac", message: /audio input in\/main\.aac is AAC Main, 48000 Hz, mono: only AAC-LC/ },
  ])("$audio as the AAC: exit 1 with ipc-hls mux's message, no trap, no segment", async ({ audio, message }) => {
    const { run: r, out } = await run(runtime, ["in/good.h264", "--audio", `in/${audio}`, "--fps", "25", "--out", "out"]);
    expectCleanFailure(r, 1, message);
    const cli = await runCli(["mux", join(inDir, "good.h264"), "--audio", join(inDir, audio), "--fps", "25", "--out", join(tmp.path, `cli-${audio}-${runtime}`)]);
    expect(cli.exitCode).toBe(1);
    expect(r.stderr).toBe(cli.stderr.replace(/^ipc-hls mux: /, "ipc-hls: ").replaceAll(inDir, "in"));
    expect(readdirSync(out).filter((name) => name.endsWith(".ts"))).toEqual([]);
  });

  test.each([["-"], []])("empty standard input (input %j): exit 1 with a message, no trap", async (...input) => {
    const { run: r } = await run(runtime, [...input, "--fps", "25", "--out", "out"], join(inDir, "empty.h264"));
    expectCleanFailure(r, 1, /no H.264 access unit found in -:/);
  });

  test("more arguments than the heap reserve holds: exit 2, no trap", async () => {
    const repeated = Array.from({ length: 600 }, () => ["--segment-duration", "2"]).flat();
    const { run: r, out } = await run(runtime, ["in/good.h264", "--fps", "25", "--out", "out", ...repeated]);
    expectCleanFailure(r, 2, /arguments are too long/);
    expect(readdirSync(out)).toEqual([]);
  });

  // Readable but damaged input: whatever the core makes of it, it must be what `ipc-hls mux` makes of it.
  test.each([
    { name: "truncated H.264", video: "truncated.h264" },
    { name: "H.264 with one byte in 500 overwritten", video: "damaged.h264" },
    // Nearly fills the 16 KiB reserve (pointers and strings): the core below it must be untouched.
    { name: "arguments filling most of the heap reserve", video: "good.h264", extra: Array.from({ length: 480 }, () => ["--segment-duration", "2"]).flat() },
  ])("$name: no trap, same exit code and same files as ipc-hls mux", async ({ video, audio, extra }) => {
    const audioArgs = (dir: string) => (audio ? ["--audio", join(dir, audio)] : []);
    const { run: r, out } = await run(runtime, [`in/${video}`, "--fps", "25", "--out", "out", ...audioArgs("in"), ...(extra ?? [])]);
    const cliOut = join(tmp.path, `cli-${video}-${audio}-${runtime}-${extra?.length ?? 0}`);
    const cli = await runCli(["mux", join(inDir, video), "--fps", "25", "--out", cliOut, ...audioArgs(inDir), ...(extra ?? [])]);
    expect(r.trapped, r.stderr).toBe(false);
    expect(r.exitCode, `${r.stderr} / CLI: ${cli.stderr}`).toBe(cli.exitCode);
    // The same messages, naming files as each was given them.
    expect(r.stderr).toBe(cli.stderr.replace(/^ipc-hls mux: /, "ipc-hls: ").replaceAll(inDir, "in"));
    const names = readdirSync(cliOut).sort();
    expect(names.length).toBeGreaterThan(1);
    expect(readdirSync(out).sort()).toEqual(names);
    for (const name of names) expect(readFileSync(join(out, name)).equals(readFileSync(join(cliOut, name))), name).toBe(true);
    expect(existsSync(join(out, "index.m3u8.lines")), "the side file is removed").toBe(false);
  });
});
