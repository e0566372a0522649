// The scalar core (build/core-scalar.wasm, build/ipc-hls-scalar.wasm: no WebAssembly SIMD) for CPUs and runtimes
// without SIMD. `node --no-enable-sse4-1` is a V8 that really lacks Wasm SIMD (as on an ARM CPU without NEON):
// there the SIMD core does not compile, the host picks the scalar one, and every fixture muxes to the same bytes
// (segments and playlist) as with SIMD. The WASI command likewise, under node:wasi in such a V8 and under the
// wasmtime engine configured without SIMD.
import { afterAll, describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
// @ts-expect-error: a plain .mjs script (no types); its case list is the one the ARM check uses too
import { MUX_CASES } from "../scripts/mux-fixtures.mjs";

/** V8 without SSE4.1 turns Wasm SIMD off (WebAssembly.validate of any v128 code is false). */
const NO_SIMD = ["--no-enable-sse4-1"];
// An x86 V8 flag: on ARM (workers on an emulated ARM Node) scripts/ci-arm.sh's Cortex-A9 without NEON does this.
const x86Only = process.arch === "x64" ? describe : describe.skip;
const bin = join(repoRoot, "bin/ipc-hls");
const tmp = tempDir("core-scalar-");
afterAll(() => tmp.cleanup());

/** Every file of a directory, by name. */
function filesOf(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f))]));
}

function node(flags: string[], args: string[]) {
  return spawnSync(process.execPath, [...flags, ...args], { encoding: "utf8" });
}

x86Only("in a V8 without SIMD", () => {
  test("this V8 without SSE4.1 has no Wasm SIMD: the SIMD core does not compile there, the scalar one does", () => {
    const probe = `const fs = require("node:fs");
      for (const f of ["core.wasm", "core-scalar.wasm", "ipc-hls.wasm", "ipc-hls-scalar.wasm"]) {
        try { new WebAssembly.Module(fs.readFileSync(${JSON.stringify(repoRoot)} + "/build/" + f)); console.log(f, "ok"); }
        catch (e) { console.log(f, e.message.includes("SIMD") ? "no-simd" : e.message); }
      }`;
    expect(node(NO_SIMD, ["-e", probe]).stdout.trim().split("\n")).toEqual(["core.wasm no-simd", "core-scalar.wasm ok", "ipc-hls.wasm no-simd", "ipc-hls-scalar.wasm ok"]);
    expect(node([], ["-e", probe]).stdout.trim().split("\n")).toEqual(["core.wasm ok", "core-scalar.wasm ok", "ipc-hls.wasm ok", "ipc-hls-scalar.wasm ok"]);
  });

  describe.each(MUX_CASES as { name: string; args: string[] }[])("ipc-hls mux without SIMD: $name", ({ name, args }) => {
    test("same segments and playlist as with SIMD", () => {
      const simdOut = join(tmp.path, `${name}-simd`);
      const scalarOut = join(tmp.path, `${name}-scalar`);
      const simd = node([], [bin, "mux", ...args, "--out", simdOut]);
      expect(simd.status, simd.stderr).toBe(0);
      const scalar = node(NO_SIMD, [bin, "mux", ...args, "--out", scalarOut]);
      expect(scalar.status, scalar.stderr).toBe(0);
      const [a, b] = [filesOf(simdOut), filesOf(scalarOut)];
      expect([...b.keys()]).toEqual([...a.keys()]);
      expect(a.has("index.m3u8") && a.size > 1, "a playlist and segments").toBe(true);
      for (const [file, bytes] of a) expect(b.get(file)!.equals(bytes), file).toBe(true);
    });
  });

  test("ipc-hls-scalar.wasm under node:wasi without SIMD writes what ipc-hls.wasm writes with SIMD", () => {
    const run = (flags: string[], wasm: string, out: string) => {
      const script = `import { WASI } from "node:wasi"; import { readFileSync } from "node:fs";
        const wasi = new WASI({ version: "preview1", args: ["ipc-hls.wasm", "--audio", "in/sample-48000-mono.aac", "--out", "out", "in/sample-640x360-25fps.h264"],
          preopens: { in: ${JSON.stringify(fixturePath("sample"))}, out: ${JSON.stringify(out)} }, returnOnExit: true });
        const m = await WebAssembly.compile(readFileSync(${JSON.stringify(join(repoRoot, "build", wasm))}));
        process.exitCode = wasi.start(await WebAssembly.instantiate(m, wasi.getImportObject()));`;
      spawnSync("mkdir", ["-p", out]);
      return node([...flags, "--no-warnings", "--input-type=module"], ["-e", script]);
    };
    const simdOut = join(tmp.path, "wasi-simd");
    const scalarOut = join(tmp.path, "wasi-scalar");
    const simd = run([], "ipc-hls.wasm", simdOut);
    expect(simd.status, simd.stderr).toBe(0);
    const scalar = run(NO_SIMD, "ipc-hls-scalar.wasm", scalarOut);
    expect(scalar.status, scalar.stderr).toBe(0);
    const [a, b] = [filesOf(simdOut), filesOf(scalarOut)];
    expect(a.size).toBeGreaterThan(2);
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [file, bytes] of a) expect(b.get(file)!.equals(bytes), file).toBe(true);
  });
});

test("ipc-hls-scalar.wasm under wasmtime with SIMD turned off writes what ipc-hls.wasm writes (which it refuses)", () => {
  // The wasmtime engine (PyPI wheel) configured without SIMD, as a runtime without it.
  const driver = `import sys, wasmtime
c = wasmtime.Config(); c.wasm_simd = False; c.wasm_relaxed_simd = False
engine = wasmtime.Engine(c)
try:
    wasmtime.Module.from_file(engine, sys.argv[1]); print("simd module compiled")
except Exception:
    print("simd module refused")
linker = wasmtime.Linker(engine); linker.define_wasi()
store = wasmtime.Store(engine); wasi = wasmtime.WasiConfig()
wasi.argv = ["ipc-hls.wasm", "--audio", "in/sample-48000-mono.aac", "--out", "out", "in/sample-640x360-25fps.h264"]
wasi.preopen_dir(sys.argv[3], "in"); wasi.preopen_dir(sys.argv[4], "out"); store.set_wasi(wasi)
try:
    linker.instantiate(store, wasmtime.Module.from_file(engine, sys.argv[2])).exports(store)["_start"](store)
except wasmtime.ExitTrap as e:
    sys.exit(e.code)`;
  const out = join(tmp.path, "wasmtime-scalar");
  spawnSync("mkdir", ["-p", out]);
  const r = spawnSync("python3", ["-c", driver, join(repoRoot, "build/ipc-hls.wasm"), join(repoRoot, "build/ipc-hls-scalar.wasm"), fixturePath("sample"), out], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  expect(r.stdout).toContain("simd module refused");
  const expected = join(tmp.path, "wasmtime-simd");
  const simd = node([], [bin, "mux", fixturePath("sample/sample-640x360-25fps.h264"), "--audio", fixturePath("sample/sample-48000-mono.aac"), "--out", expected]);
  expect(simd.status, simd.stderr).toBe(0);
  const [a, b] = [filesOf(expected), filesOf(out)];
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [file, bytes] of a) expect(b.get(file)!.equals(bytes), file).toBe(true);
});
