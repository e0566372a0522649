// ipc-hls.wasm's memory is fixed and small: declared up front (initial = maximum), never grown, and the entry
// allocates nothing that could run into the core's regions, which start right after the heap reserve.
import { afterAll, beforeAll, expect, test } from "vitest";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, tempDir } from "./support/media-tools.js";
import { runUnderNodeWasi, runUnderWasmtime, type WasmtimeStats } from "./support/wasi-run.js";

const PAGE = 65536;
/** The default ring (8 MiB) plus what the core and the entry need beside it must fit in this. */
const SMALL = 10 * 1024 * 1024;

const tmp = tempDir("wasi-memory-");
afterAll(() => tmp.cleanup());

let stats: WasmtimeStats;
let nodeMemoryBytes: number;
let wat: string;

beforeAll(async () => {
  const dirs = (name: string) => {
    const out = join(tmp.path, name);
    mkdirSync(out);
    return { in: join(repoRoot, "fixtures"), out };
  };
  const args = ["in/video/av-1280x720-25fps.h264", "--audio", "in/audio/aac-lc-48000-mono.aac", "--fps", "25", "--out", "out"];
  const wasmtime = await runUnderWasmtime(args, { dirs: dirs("wasmtime") });
  expect(wasmtime.run.exitCode, wasmtime.run.stderr).toBe(0);
  stats = wasmtime.stats;
  const node = await runUnderNodeWasi(args, { dirs: dirs("node") });
  expect(node.run.exitCode, node.run.stderr).toBe(0);
  nodeMemoryBytes = node.memoryBytes;

  // The same build as `npm run build:wasi`, with the text format beside it, to look inside.
  const asc = join(repoRoot, "node_modules/assemblyscript/bin/asc.js");
  const wasm = join(tmp.path, "ipc-hls.wasm");
  const text = join(tmp.path, "ipc-hls.wat");
  execFileSync(process.execPath, [asc, "assembly/wasi.ts", "--target", "wasi", "--outFile", wasm, "--textFile", text], { cwd: repoRoot, stdio: "pipe" });
  wat = readFileSync(text, "utf8");
  expect(readFileSync(wasm).equals(readFileSync(join(repoRoot, "build/ipc-hls.wasm"))), "build/ipc-hls.wasm is this build").toBe(true);
}, 120_000);

test("wasmtime reads a memory declared up front: initial = maximum, under 10 MiB", () => {
  expect(stats.memoryPagesMax).toBe(stats.memoryPagesMin);
  expect(stats.memoryPagesMin * PAGE).toBeLessThanOrEqual(SMALL);
  // It must hold the default 8 MiB ring and the 1 MiB input area.
  expect(stats.memoryPagesMin * PAGE).toBeGreaterThan(9 * 1024 * 1024);
});

test("node:wasi: after muxing video + audio the memory is still the declared size (it never grew)", () => {
  expect(nodeMemoryBytes).toBe(stats.memoryPagesMin * PAGE);
});

test("the module imports only WASI preview1 and exports only _start and memory", () => {
  const imports = [...wat.matchAll(/\(import "([^"]+)" "([^"]+)"/g)].map((m) => m[1]);
  expect(imports.length).toBeGreaterThan(0);
  expect(new Set(imports)).toEqual(new Set(["wasi_snapshot_preview1"]));
  const exports = [...wat.matchAll(/\(export "([^"]+)"/g)].map((m) => m[1]).sort();
  expect(exports).toEqual(["_start", "memory"]);
  expect(wat).toMatch(new RegExp(`\\(memory \\$0 ${stats.memoryPagesMin} ${stats.memoryPagesMin}\\)`));
});

test("no managed allocation anywhere: the runtime's allocator (~lib/rt) is not in the module", () => {
  // The stub runtime bumps a pointer up from __heap_base; without it nothing but the arguments and the
  // preopened directories' names (bounded copies into the reserve) is ever written between __heap_base and the
  // core's regions.
  expect(wat).toContain("assembly/wasi/_start");
  expect(wat).not.toMatch(/~lib\/rt\//);
  expect(wat).not.toMatch(/__new|__alloc/);
});
