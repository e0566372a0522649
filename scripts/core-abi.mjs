// Generates src/core-abi.ts from assembly/abi.ts, so the host reads the core's contract (struct word indexes,
// drop reasons, limits) from the one place it is defined. Run by `npm run build`; `--check` only compares
// (exit 1 when src/core-abi.ts is stale). test/core-abi.test.ts uses generate().
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const SOURCE = fileURLToPath(new URL("../assembly/abi.ts", import.meta.url));
const TARGET = fileURLToPath(new URL("../src/core-abi.ts", import.meta.url));

const CONSTANT = /^export const ([A-Z][A-Z0-9_]*): [iu]32 = ([0-9 *<()-]+);(?:\s*\/\/\s*(.*))?$/;

/** The TS text for an abi.ts text. Throws on a line it does not understand (no silent drift). */
export function generate(source = readFileSync(SOURCE, "utf8")) {
  const out = [
    "// Generated from assembly/abi.ts by scripts/core-abi.mjs (npm run build): do not edit here.",
    "// The core's contract: word indexes of the structs it fills, its result codes and limits.",
    "",
  ];
  const drops = [];
  for (const line of source.split("\n")) {
    if (line.startsWith("// ----")) out.push(...(out.at(-1) === "" ? [] : [""]), line);
    if (!line.startsWith("export")) continue;
    const m = CONSTANT.exec(line);
    if (!m) throw new Error(`assembly/abi.ts: not a plain constant: ${line}`);
    const [, name, expression, comment] = m;
    const value = Function(`"use strict"; return (${expression});`)();
    if (!Number.isInteger(value)) throw new Error(`assembly/abi.ts: ${name} is not a whole number`);
    if (comment) out.push(`/** ${comment} */`);
    out.push(`export const ${name} = ${value};`);
    if (name.startsWith("DROP_") && name !== "DROP_WORDS") drops.push({ name, value, comment });
  }
  // DROP_FRAME_TOO_LARGE = 2 → DROP_REASONS[2] = "frame-too-large".
  const reasons = [];
  for (const d of drops) {
    if (reasons[d.value] !== undefined || d.value === 0) throw new Error(`assembly/abi.ts: drop code ${d.value} twice`);
    reasons[d.value] = d;
  }
  out.push(
    "",
    "/**",
    " * Why a frame was not muxed (counted in the stats either way): the core returns the index into this list",
    " * (DROP_* above; 0 = taken).",
    " */",
    "export const DROP_REASONS = [",
    "  undefined,",
  );
  for (let code = 1; code < reasons.length; code++) {
    const d = reasons[code];
    if (!d) throw new Error(`assembly/abi.ts: no drop reason has code ${code}`);
    const text = d.name.slice("DROP_".length).toLowerCase().replaceAll("_", "-");
    out.push(`  ${JSON.stringify(text)},${d.comment ? ` // ${d.comment}` : ""}`);
  }
  out.push("] as const;", "");
  return out.join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = generate();
  if (process.argv.includes("--check")) {
    if (readFileSync(TARGET, "utf8") !== text) {
      console.error("src/core-abi.ts is stale: run npm run build");
      process.exit(1);
    }
  } else {
    writeFileSync(TARGET, text);
  }
}
