// @ts-check
// Compiles bench/copy-floor.ts (the copy-limit rows) with the same AssemblyScript and flags as the core.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { fileURLToPath } from "node:url";

const source = fileURLToPath(new URL("./copy-floor.ts", import.meta.url));
// The floor uses the core's payload copy: rebuild when either file changes.
const sources = [source, fileURLToPath(new URL("../assembly/copy.ts", import.meta.url))];
export const FLOOR_WASM = fileURLToPath(new URL("./.cache/copy-floor.wasm", import.meta.url));

export function buildFloor() {
  if (existsSync(FLOOR_WASM) && sources.every((f) => statSync(FLOOR_WASM).mtimeMs > statSync(f).mtimeMs)) return FLOOR_WASM;
  mkdirSync(new URL("./.cache/", import.meta.url), { recursive: true });
  const asc = fileURLToPath(new URL("../node_modules/.bin/asc", import.meta.url));
  execFileSync(asc, [source, "--outFile", FLOOR_WASM, "-O3", "--noAssert", "--runtime", "stub", "--enable", "simd,bulk-memory", "--importMemory"], {
    stdio: "inherit",
    cwd: fileURLToPath(new URL("./", import.meta.url)), // away from the core's asconfig.json
  });
  return FLOOR_WASM;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log(buildFloor());
