// What a user sees after a typing mistake on the command line: one line saying what is wrong (with the closest
// command or option when there is one), exit code 2, and nothing started.
import { describe, it, expect, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot, tempDir } from "./support/media-tools.js";

const run = promisify(execFile);
const tmp = tempDir("cli-mistakes-");
writeFileSync(join(tmp.path, "file.txt"), "not a directory");
afterAll(() => tmp.cleanup());

async function ipcHls(args: string[]) {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), ...args], { timeout: 30_000, cwd: tmp.path });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

describe("command-line mistakes", () => {
  it.each([
    [["pussh", "cam.h264"], 'ipc-hls: unknown command "pussh": did you mean push? (ipc-hls --help tells more)'],
    [["serv"], 'ipc-hls: unknown command "serv": did you mean serve? (ipc-hls --help tells more)'],
    [["transcode"], /^ipc-hls: unknown command "transcode": the commands are mux, push, .* \(ipc-hls --help tells more\)$/],
    // Every command, with a near miss of one of its own options.
    [["mux", "in.h264", "--fsp", "25"], "ipc-hls mux: unknown option --fsp: did you mean --fps?"],
    [["push", "in.h264", "--bukcet", "rec"], "ipc-hls push: unknown option --bukcet: did you mean --bucket?"],
    [["playlist", "--form", "2026-11-25"], "ipc-hls playlist: unknown option --form: did you mean --from?"],
    [["serve", "--prot", "8080"], "ipc-hls serve: unknown option --prot: did you mean --port?"],
    [["demo", "--loop", "2"], "ipc-hls demo: unknown option --loop: did you mean --loops?"],
    [["serve", "--path"], "ipc-hls serve: unknown option --path: did you mean --path-style?"],
    [["demo", "--fast=yes"], "ipc-hls demo: --fast takes no value"],
    [["playlist", "--bucket"], "ipc-hls playlist: --bucket needs a value"],
    [["serve", "recordings"], 'ipc-hls serve: unexpected argument "recordings": this command takes only --options'],
    [["serve", "--store", "no-such-dir", "--port", "0"], "ipc-hls serve: --store no-such-dir: no such directory"],
    [["serve", "--store", "file.txt", "--port", "0"], "ipc-hls serve: --store file.txt: not a directory"],
  ])("ipc-hls %j", async (args, line) => {
    const res = await ipcHls(args);
    expect(res.code).toBe(2);
    expect(res.stdout).toBe("");
    if (typeof line === "string") expect(res.stderr).toBe(line + "\n");
    else expect(res.stderr.trimEnd()).toMatch(line);
  });
});
