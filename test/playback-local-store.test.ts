// The local directory store: same key layout as S3, atomic writes, sorted listings, no way out of its root.
import { describe, it, expect, beforeEach, afterEach } from "vitest";
import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { join } from "node:path";
import { LocalStore, InvalidKeyError } from "../src/store/local-store.js";
import { tempDir } from "./support/media-tools.js";

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
beforeEach(() => {
  dir = tempDir("ipc-hls-local-");
  store = new LocalStore(join(dir.path, "rec"));
});
afterEach(() => dir.cleanup());

const bytes = (text: string) => new TextEncoder().encode(text);

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe("LocalStore", () => {
  it("writes one or two views as one file under the key's folders, and reads it back", async () => {
    await store.put("cam/2026/11/25/10/a.ts", [bytes("hello "), bytes("world")]);
    expect(await readFile(join(dir.path, "rec/cam/2026/11/25/10/a.ts"), "utf8")).toBe("hello world");
    const opened = await store.open("cam/2026/11/25/10/a.ts");
    expect(opened?.size).toBe(11);
    expect(await readAll(opened!.stream)).toBe("hello world");
    expect(await store.open("cam/2026/11/25/10/missing.ts")).toBeUndefined();
  });

  it("lists every key with a prefix, sorted, even a prefix that ends mid-name", async () => {
    const keys = ["cam/2026/11/25/11/b.ts", "cam/2026/11/25/10/b.ts", "cam/2026/11/25/10/a.ts", "cam/2026/12/01/00/a.ts", "cam2/x.ts"];
    for (const key of keys) await store.put(key, [bytes(key)]);
    expect((await store.list("cam/")).map((o) => o.key)).toEqual(keys.filter((k) => k.startsWith("cam/")).sort());
    expect(await store.list("cam/2026/11/25/10/")).toEqual([
      { key: "cam/2026/11/25/10/a.ts", size: 22 },
      { key: "cam/2026/11/25/10/b.ts", size: 22 },
    ]);
    expect((await store.list("cam/2026/1")).map((o) => o.key)).toHaveLength(4);
    expect((await store.list("cam")).map((o) => o.key)).toHaveLength(5);
    expect(await store.list("nothing/here/")).toEqual([]);
    expect(await store.listFolders("")).toEqual(["cam", "cam2"]);
    expect(await store.listFolders("cam/2026/")).toEqual(["11", "12"]);
    expect(await store.hasAny("cam2/")).toBe(true);
    expect(await store.hasAny("cam3/")).toBe(false);
  });

  it("never lists a file still being written, and leaves no temporary file behind", async () => {
    await mkdir(join(dir.path, "rec/cam"), { recursive: true });
    await writeFile(join(dir.path, "rec/cam/.half.ts.123-abc.tmp"), "partial");
    await store.put("cam/whole.ts", [bytes("whole")]);
    expect((await store.list("cam/")).map((o) => o.key)).toEqual(["cam/whole.ts"]);
    expect((await readdir(join(dir.path, "rec/cam"))).sort()).toEqual([".half.ts.123-abc.tmp", "whole.ts"]);
  });

  it("replaces an existing object whole", async () => {
    await store.put("cam/a.ts", [bytes("first version")]);
    await store.put("cam/a.ts", [bytes("second")]);
    expect(await readFile(join(dir.path, "rec/cam/a.ts"), "utf8")).toBe("second");
  });

  it("refuses keys that would leave its root or hide a file", async () => {
    for (const key of ["../escape.ts", "cam/../../escape.ts", "/abs.ts", "cam//a.ts", "cam/.hidden", "", "cam/a\\b.ts", "cam/a\0.ts"]) {
      await expect(store.put(key, [bytes("x")]), key).rejects.toThrow(InvalidKeyError);
    }
    await expect(store.open("../../etc/passwd")).rejects.toThrow(InvalidKeyError);
    expect(await readdir(dir.path)).toEqual([]);
  });

  it("stops before writing when the put is aborted", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(store.put("cam/a.ts", [bytes("x")], { signal: controller.signal })).rejects.toThrow();
    expect(await store.list("cam/")).toEqual([]);
  });
});
