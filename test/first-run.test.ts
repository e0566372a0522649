// A new user's first run: a fresh clone in an empty directory, the README's first command verbatim
// (install + demo). The demo must print a playlist URL whose segments decode, and stop cleanly on Ctrl-C.
import { describe, test, expect, afterAll } from "vitest";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir, decodeErrors } from "./support/media-tools.js";

/** The first command of the README's first shell block (what "sets up and runs the main job"). */
function readmeDemoCommand(): string {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const block = /```(?:sh|bash)\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README has no shell block");
  const first = block[1].split("\n")[0];
  return first.replace(/\s+#.*$/, "").trim();
}

function waitFor(child: ChildProcess, pattern: RegExp, timeoutMs: number, output: { text: string }): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${output.text}`)), timeoutMs);
    const check = () => {
      const m = pattern.exec(output.text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before ${pattern}:\n${output.text}`));
    });
    check();
  });
}

describe("first run from a fresh clone", () => {
  const tmp = tempDir("ipc-hls-first-run-");
  let child: ChildProcess | undefined;
  afterAll(() => {
    // Whatever is left of the process group after a failure.
    try {
      if (child?.pid) process.kill(-child.pid, "SIGKILL");
    } catch {
      /* already gone */
    }
    tmp.cleanup();
  });

  test("the README's demo command installs, records and serves segments that decode; Ctrl-C stops it", async () => {
    const command = readmeDemoCommand();
    expect(command).toMatch(/npx ipc-hls demo/);
    const clone = join(tmp.path, "ipc-hls");
    execFileSync("git", ["clone", "--quiet", "--depth", "1", `file://${repoRoot}`, clone]);

    const output = { text: "" };
    child = spawn("bash", ["-c", command], { cwd: clone, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout!.on("data", (d) => (output.text += d));
    child.stderr!.on("data", (d) => (output.text += d));

    const [, playlistUrl] = await waitFor(child, /Playlist:\s+(\S+)/, 8 * 60_000, output);
    // Real time: the first 2 s segments arrive after a few seconds.
    let uris: string[] = [];
    for (let i = 0; i < 60 && uris.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      const res = await fetch(playlistUrl);
      if (res.status !== 200) continue;
      const text = await res.text();
      uris = text.split("\n").filter((line) => line && !line.startsWith("#"));
    }
    expect(uris.length, output.text).toBeGreaterThanOrEqual(2);
    for (const [i, uri] of uris.entries()) {
      const res = await fetch(new URL(uri, playlistUrl));
      expect(res.status).toBe(200);
      const file = join(tmp.path, `seg-${i}.ts`);
      writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
      expect(await decodeErrors(file), `segment ${uri}`).toBe("");
    }

    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child!.on("exit", (code, signal) => resolve({ code, signal })),
    );
    // Ctrl-C reaches the whole foreground group: bash, npm exec and the demo.
    process.kill(-child.pid!, "SIGINT");
    const { code, signal } = await exited;
    expect(output.text).toMatch(/Recorded \d+ segments .*, 0 lost\. Stopped\./);
    // The demo exits 130 after a clean stop (as printed above); bash passes that on or ends by the signal itself.
    expect(code === 0 || code === 130 || signal === "SIGINT", `exit ${code} / ${signal}`).toBe(true);
  }, 10 * 60_000);
});
