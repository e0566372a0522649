// Ctrl-C and SIGTERM for the commands that run long besides push (see push-backpressure.test.ts): `mux` reading
// a pipe that stays open writes out what it has (the playlist and segments that decode) and exits 130 / 143;
// `serve` closes and exits 143. One module (src/cli/interrupt.ts) gives every command the same behaviour.
import { describe, it, expect, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeErrors, fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { parsePlaylist } from "./support/mux-run.js";

const tmp = tempDir("cli-interrupt-");
afterAll(() => tmp.cleanup());

function start(args: string[]) {
  const child = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), ...args], { stdio: ["pipe", "pipe", "pipe"] });
  const out = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (out.stdout += d));
  child.stderr.on("data", (d) => (out.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  return { child, out, exited };
}

async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((r) => setTimeout(r, 50));
}

describe("ipc-hls mux - (a pipe that stays open)", () => {
  it.each([
    { signal: "SIGINT" as const, code: 130 },
    { signal: "SIGTERM" as const, code: 143 },
  ])("$signal: the segments so far and their playlist are written, they decode; exit $code", async ({ signal, code }) => {
    const out = join(tmp.path, signal);
    const run = start(["mux", "-", "--fps", "25", "--out", out]);
    // 3 s with an IDR every second: the first 2 s segment is written once the third IDR has been read.
    run.child.stdin.write(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
    await until(() => existsSync(join(out, "segment-000000.ts")));
    run.child.kill(signal);
    expect(await run.exited, run.out.stderr).toBe(code);
    expect(run.out.stderr).toContain(`${signal}: stopping`);
    const playlist = parsePlaylist(readFileSync(join(out, "index.m3u8"), "utf8"));
    expect(playlist.endList).toBe(true);
    expect(playlist.segments.map((s) => s.uri)).toEqual(["segment-000000.ts", "segment-000001.ts"]);
    for (const s of playlist.segments) expect(await decodeErrors(join(out, s.uri)), s.uri).toBe("");
    expect(run.out.stdout).toMatch(/^2 segments/);
  });
});

describe("ipc-hls serve", () => {
  it("SIGTERM closes the server: exit 143", async () => {
    const run = start(["serve", "--port", "0", "--store", tmp.path]);
    await until(() => /replay page at/.test(run.out.stdout));
    run.child.kill("SIGTERM");
    expect(await run.exited).toBe(143);
  });
});
