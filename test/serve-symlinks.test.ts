// A directory store never hands out what lies outside its root: symbolic links (to a file, to a camera folder,
// to an hour folder) that resolve outside read as missing through every route, and encoded ".." or "/" in a
// URL never reach the file system. Answers name no path of the machine.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { request as httpRequest, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { segmentKey } from "../src/keys.js";
import { tempDir } from "./support/media-tools.js";

const HOUR = 3_600_000;
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 10 * 60_000; // a closed hour, two hours ago
const iso = (ms: number) => new Date(ms).toISOString();
const SECRET = "outside-the-store-4f1c9e";
const INSIDE = "a segment inside the store";

let dir: ReturnType<typeof tempDir>;
let root: string;
let outside: string;
let server: Server;
let port: number;

const keyOf = (camera: string, seq: number) => segmentKey({ prefix: camera, startMs: T + seq * 2000, durationMs: 2000, session: "0000000a", seq });
const place = (path: string, text: string) => {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
};

beforeAll(async () => {
  dir = tempDir("ipc-hls-symlinks-");
  root = join(dir.path, "store");
  outside = join(dir.path, "elsewhere");
  // Outside the root: a plain secret file, and a whole camera's folder tree of segment-named files.
  place(join(outside, "secret.txt"), SECRET);
  for (const seq of [0, 1]) place(join(outside, "cam", keyOf("x", seq).slice(2)), SECRET);
  // Inside: a real camera with one real segment, plus links out of the root.
  place(join(root, keyOf("cam1", 0)), INSIDE);
  symlinkSync(join(outside, "secret.txt"), join(root, keyOf("cam1", 1))); // a file link in a camera folder
  symlinkSync(join(outside, "cam"), join(root, "linked")); // a camera folder that is a link
  mkdirSync(join(root, "cam2/" + keyOf("cam2", 0).split("/").slice(1, 4).join("/")), { recursive: true });
  symlinkSync(join(outside, "cam", keyOf("x", 0).split("/").slice(1, 5).join("/")), join(root, dirname(keyOf("cam2", 0)))); // an hour folder
  // A link that stays inside the root is an ordinary file.
  symlinkSync(join(root, keyOf("cam1", 0)), join(root, keyOf("cam1", 2)));
  server = createReplayServer({ store: new LocalStore(root) });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

/** A raw request: the path leaves exactly as written (fetch would normalise dot segments). */
function rawGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ hostname: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Refused with a JSON error that leaks neither the outside file nor where anything is on disk. */
function expectRefused(answer: { status: number; body: string }, status: number, what: string) {
  expect(answer.status, what).toBe(status);
  expect(answer.body, what).not.toContain(SECRET);
  expect(answer.body, what).not.toContain(dir.path);
  expect(() => JSON.parse(answer.body), what).not.toThrow();
}

describe("a directory store behind the replay server", () => {
  it("does not serve a file through a link that leaves the root, and serves one that stays inside", async () => {
    const within = (key: string) => key.slice(key.indexOf("/") + 1);
    const real = await rawGet(`/cameras/cam1/segments/${within(keyOf("cam1", 0))}`);
    expect(real).toEqual({ status: 200, body: INSIDE });
    expectRefused(await rawGet(`/cameras/cam1/segments/${within(keyOf("cam1", 1))}`), 404, "file link out");
    expect(await rawGet(`/cameras/cam1/segments/${within(keyOf("cam1", 2))}`)).toEqual({ status: 200, body: INSIDE });
  });

  it("does not walk a camera folder or an hour folder that is a link out of the root", async () => {
    const cameras = await rawGet("/cameras");
    expect(JSON.parse(cameras.body)).toEqual({ cameras: ["cam1", "cam2"] });
    const range = `start=${iso(T - HOUR)}&end=${iso(T + HOUR)}`;
    for (const camera of ["linked", "cam2"]) {
      expectRefused(await rawGet(`/cameras/${camera}/spans?${range}`), 404, `${camera} spans`);
      expectRefused(await rawGet(`/cameras/${camera}/playlist.m3u8?${range}`), 404, `${camera} playlist`);
    }
    const within = keyOf("x", 0).slice(2);
    expectRefused(await rawGet(`/cameras/linked/segments/${within}`), 404, "segment through a linked camera folder");
    expectRefused(await rawGet(`/cameras/cam2/segments/${within}`), 404, "segment through a linked hour folder");
    // The real camera's playlist lists its real file only: listings follow no link at all.
    const playlist = await rawGet(`/cameras/cam1/playlist.m3u8?${range}`);
    expect(playlist.status).toBe(200);
    expect(playlist.body.split("\n").filter((l) => l.startsWith("segments/"))).toEqual([`segments/${keyOf("cam1", 0).slice(5)}`]);
  });

  it("refuses encoded dot segments and slashes in camera names and segment paths", async () => {
    const name = keyOf("cam1", 0).split("/").pop();
    const paths = [
      `/cameras/%2e%2e/segments/elsewhere/secret.txt`,
      `/cameras/cam1/segments/%2e%2e/%2e%2e/elsewhere/secret.txt`,
      `/cameras/cam1/segments/%2E%2E%2F%2E%2E%2Felsewhere%2Fsecret.txt`,
      `/cameras/cam1/segments/..%2f..%2f..%2felsewhere/cam/2026/${name}`,
      `/cameras/%2e%2e%2felsewhere%2fcam/spans?day=${iso(T).slice(0, 10)}`,
      `/cameras/..%2Felsewhere/playlist.m3u8?start=${iso(T - HOUR)}&end=${iso(T + HOUR)}`,
      `/cameras/cam1/segments/%2fetc%2fpasswd`,
      `/cameras/cam1/segments/%00`,
    ];
    for (const path of paths) {
      const answer = await rawGet(path);
      expect([400, 404], path).toContain(answer.status);
      expectRefused(answer, answer.status, path);
    }
  });
});

describe("LocalStore", () => {
  it("reads nothing through links out of its root, even when asked directly", async () => {
    const store = new LocalStore(root);
    expect(await store.open(keyOf("cam1", 1))).toBeUndefined();
    expect(await store.open("linked/" + keyOf("x", 0).slice(2))).toBeUndefined();
    expect(await store.list("linked/")).toEqual([]);
    expect(await store.list(dirname(keyOf("cam2", 0)) + "/")).toEqual([]);
    expect(await store.hasAny("linked/")).toBe(false);
    expect(await store.listFolders("linked")).toEqual([]);
    expect((await store.list("cam1/")).map((o) => o.key)).toEqual([keyOf("cam1", 0)]);
  });

  it("works from a root that is itself a link (an NVR disk mounted elsewhere)", async () => {
    const alias = join(dir.path, "alias");
    symlinkSync(root, alias);
    const store = new LocalStore(alias);
    const opened = await store.open(keyOf("cam1", 0));
    expect(opened?.size).toBe(INSIDE.length);
    opened?.stream.destroy();
    expect(await store.listFolders("")).toEqual(["cam1", "cam2"]);
  });
});
