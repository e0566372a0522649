// What a recording process loads beyond what it needs. Node loads its fetch implementation (undici, about 12 MB
// of RSS) the first time anything looks at the global Response or fetch; recording never fetches, so it must
// never be loaded: the core's instantiation once did it (the loader asked whether its argument was a Response).
import { describe, it, expect, afterAll } from "vitest";
import { spawn } from "node:child_process";
import { createReadStream } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fixturePath, tempDir } from "./support/media-tools.js";

const CLI = fileURLToPath(new URL("../bin/ipc-hls", import.meta.url));
// Printed at exit by the recording process itself: whether any undici module was loaded.
const REPORT_UNDICI = `data:text/javascript,process.on("exit",()=>process.stderr.write("undici loaded: "+process.moduleLoadList.some((m)=>m.includes("undici"))+"\\n"))`;

const tmp = tempDir("record-footprint-");
afterAll(() => tmp.cleanup());

describe("ipc-hls record's footprint", () => {
  it("records a live pipe into a directory without loading Node's fetch implementation (undici)", async () => {
    const child = spawn(process.execPath, ["--import", REPORT_UNDICI, CLI, "record", "-", "--name", "pipe", "--store", join(tmp.path, "store"), "--fps", "25"], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    createReadStream(fixturePath("sample/sample-640x360-25fps.h264")).pipe(child.stdin);
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(output).toMatch(/segments: +[1-9]\d* made, [1-9]\d* (uploaded|stored)/);
    expect(output).toContain("undici loaded: false");
    expect(code, output).toBe(0);
  });
});
