// The package as a user gets it: `npm pack`, then each entry point the README's "Package entry points" lists is
// imported by name from the unpacked tarball, at run time (ESM) and by the TypeScript compiler (the "types" paths).
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "./support/media-tools.js";

interface EntryPoint {
  specifier: string;
  values: string[];
  types: string[];
}

/** The README's list: "- `ipc-hls/x`: `value`, `value`; types `Type`, `Type`." (an item may wrap onto indented lines). */
function documentedEntryPoints(): EntryPoint[] {
  const readme = readFileSync(join(repoRoot, "README.md"), "utf8");
  const section = readme.split("### Package entry points")[1]?.split(/\n#/)[0] ?? "";
  const items = section.split(/\n- /).slice(1).map((item) => item.split("\n\n")[0].replace(/\s+/g, " "));
  const names = (text: string) => [...text.matchAll(/`([A-Za-z_$][\w$]*)`/g)].map((m) => m[1]);
  return items.map((item) => {
    const [, specifier, rest] = /^`(ipc-hls[^`]*)`: (.*)$/.exec(item) ?? [];
    const [values, types = ""] = (rest ?? "").split("; types ");
    return { specifier, values: names(values), types: names(types) };
  });
}

const entryPoints = documentedEntryPoints();
const tmp = tempDir("ipc-hls-pack-");
const app = join(tmp.path, "app");

beforeAll(() => {
  execFileSync("npm", ["pack", "--ignore-scripts", "--silent", "--pack-destination", tmp.path], { cwd: repoRoot });
  const tarball = readdirSync(tmp.path).find((name) => name.endsWith(".tgz"));
  if (!tarball) throw new Error("npm pack wrote no tarball");
  const installed = join(app, "node_modules", "ipc-hls");
  mkdirSync(installed, { recursive: true });
  execFileSync("tar", ["-xzf", join(tmp.path, tarball), "-C", installed, "--strip-components=1"]);
  // `npm install` of the tarball would need the registry for the dependencies; they are linked from ours instead
  // (Node resolves a linked package's own imports from where it really is).
  const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8")) as { dependencies: Record<string, string> };
  for (const dependency of Object.keys(manifest.dependencies)) {
    const link = join(app, "node_modules", dependency);
    mkdirSync(dirname(link), { recursive: true });
    symlinkSync(join(repoRoot, "node_modules", dependency), link);
  }
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
});

afterAll(() => tmp.cleanup());

describe("the packed package", () => {
  it("the README lists the three entry points, each with names", () => {
    expect(entryPoints.map((e) => e.specifier)).toEqual(["ipc-hls", "ipc-hls/playback", "ipc-hls/lambda"]);
    for (const entry of entryPoints) expect(entry.values.length, entry.specifier).toBeGreaterThan(0);
  });

  it("exports every documented value (ESM import in a separate project)", () => {
    const script = `
      const found = {};
      for (const specifier of ${JSON.stringify(entryPoints.map((e) => e.specifier))}) {
        const module = await import(specifier);
        found[specifier] = Object.keys(module).filter((name) => module[name] !== undefined);
      }
      console.log(JSON.stringify(found));`;
    const found = JSON.parse(execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: app, encoding: "utf8" }));
    for (const entry of entryPoints) expect(found[entry.specifier], entry.specifier).toEqual(expect.arrayContaining(entry.values));
  });

  it("types every documented name (tsc, NodeNext resolution through the exports map)", () => {
    const lines = entryPoints.map((e, i) => `import { ${[...e.values, ...e.types.map((t) => `type ${t}`)].join(", ")} } from "${e.specifier}";\n` +
      `export const used${i} = [${e.values.join(", ")}];\nexport type Used${i} = [${e.types.join(", ") || "never"}];\n`);
    writeFileSync(join(app, "check.ts"), lines.join(""));
    const tsc = join(repoRoot, "node_modules", "typescript", "bin", "tsc");
    const args = ["--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
      "--skipLibCheck", "--typeRoots", join(repoRoot, "node_modules", "@types"), "--types", "node", "check.ts"];
    let output = "";
    try {
      execFileSync(process.execPath, [tsc, ...args], { cwd: app, encoding: "utf8" });
    } catch (err) {
      output = String((err as { stdout?: string }).stdout ?? err);
    }
    expect(output).toBe("");
  });
});
