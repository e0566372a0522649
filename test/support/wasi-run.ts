// Runs build/ipc-hls.wasm (the WASI command) under two runtimes we did not write: wasmtime (through the PyPI
// wheel and test/support/run_wasmtime.py, in a child process) and Node's node:wasi (in this process).
import { spawn } from "node:child_process";
import { closeSync, createReadStream, openSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { repoRoot, tempDir } from "./media-tools.js";

export const WASI_MODULE = join(repoRoot, "build/ipc-hls.wasm");
const DRIVER = join(repoRoot, "test/support/run_wasmtime.py");
/** run_wasmtime.py's exit code for a trap (as opposed to the guest's own proc_exit). */
const TRAP_EXIT = 134;

export interface WasiRunOptions {
  /** Preopened directories: the name the guest sees → the host directory. */
  dirs: Record<string, string>;
  /** A file given as standard input (as `< file`). */
  stdinFile?: string;
  /** wasmtime only: stream stdinFile through a pipe instead, so reads may come back short. */
  stdinPipe?: boolean;
}

export interface WasiRun {
  exitCode: number;
  stdout: string;
  stderr: string;
  /** The module trapped (never acceptable: bad input must end in an error exit). */
  trapped: boolean;
}

export interface WasmtimeStats {
  memoryPagesMin: number;
  memoryPagesMax: number | null;
  maxRssKiB: number;
}

export type Runtime = "wasmtime" | "node:wasi";
export const RUNTIMES: Runtime[] = ["wasmtime", "node:wasi"];

export function runWasi(runtime: Runtime, args: string[], options: WasiRunOptions): Promise<WasiRun> {
  return runtime === "wasmtime" ? runUnderWasmtime(args, options).then((r) => r.run) : runUnderNodeWasi(args, options).then((r) => r.run);
}

/** python3 run_wasmtime.py build/ipc-hls.wasm --dir host::guest… -- args; also returns the driver's stats. */
export function runUnderWasmtime(args: string[], options: WasiRunOptions): Promise<{ run: WasiRun; stats: WasmtimeStats }> {
  const scratch = tempDir("wasmtime-run-");
  const statsFile = join(scratch.path, "stats.json");
  const dirFlags = Object.entries(options.dirs).flatMap(([guest, host]) => ["--dir", `${host}::${guest}`]);
  const stdinFd = options.stdinFile && !options.stdinPipe ? openSync(options.stdinFile, "r") : undefined;
  return new Promise((resolve, reject) => {
    const child = spawn("python3", [DRIVER, WASI_MODULE, ...dirFlags, "--stats", statsFile, "--", ...args], {
      stdio: [stdinFd ?? "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      if (stdinFd !== undefined) closeSync(stdinFd);
      try {
        const stats = JSON.parse(readFileSync(statsFile, "utf8")) as WasmtimeStats;
        const exitCode = code ?? -1;
        resolve({ run: { exitCode, stdout, stderr, trapped: exitCode === TRAP_EXIT && stderr.includes("wasm trap") }, stats });
      } catch (err) {
        reject(new Error(`run_wasmtime.py failed (exit ${code}): ${stderr}`, { cause: err }));
      } finally {
        scratch.cleanup();
      }
    });
    if (stdinFd === undefined) {
      if (options.stdinFile) createReadStream(options.stdinFile).pipe(child.stdin!);
      else child.stdin!.end();
    }
  });
}

let compiled: Promise<WebAssembly.Module> | undefined;

/** node:wasi in this process; also returns the size of the instance's memory after the run. */
export async function runUnderNodeWasi(args: string[], options: WasiRunOptions): Promise<{ run: WasiRun; memoryBytes: number }> {
  compiled ??= readFile(WASI_MODULE).then((bytes) => WebAssembly.compile(new Uint8Array(bytes)));
  const module = await compiled;
  const scratch = tempDir("node-wasi-run-");
  const stdin = openSync(options.stdinFile ?? "/dev/null", "r");
  const stdout = openSync(join(scratch.path, "stdout"), "w");
  const stderr = openSync(join(scratch.path, "stderr"), "w");
  try {
    const wasi = new WASI({ version: "preview1", args: ["ipc-hls.wasm", ...args], preopens: options.dirs, stdin, stdout, stderr, returnOnExit: true });
    const instance = await WebAssembly.instantiate(module, wasi.getImportObject() as WebAssembly.Imports);
    let exitCode = -1;
    let trapped = false;
    let trapMessage = "";
    try {
      exitCode = wasi.start(instance);
    } catch (err) {
      if (!(err instanceof WebAssembly.RuntimeError)) throw err;
      trapped = true;
      trapMessage = `wasm trap: ${err.message}\n`;
    }
    const memoryBytes = (instance.exports.memory as WebAssembly.Memory).buffer.byteLength;
    const read = (name: string) => readFileSync(join(scratch.path, name), "utf8");
    return { run: { exitCode, stdout: read("stdout"), stderr: read("stderr") + trapMessage, trapped }, memoryBytes };
  } finally {
    closeSync(stdin);
    closeSync(stdout);
    closeSync(stderr);
    scratch.cleanup();
  }
}
