// The replay server's API over a local store holding ffmpeg-made recordings, and the Lambda handler beside it:
// m3u8-parser reads the playlists, ffmpeg plays them over HTTP, errors are JSON with the right status.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { promisify } from "node:util";
import { Parser } from "m3u8-parser";
import { LocalStore } from "../src/store/local-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { createLambdaHandler, type ProxyEvent } from "../src/playback/lambda.js";
import { recordWithFfmpeg, type StoredSegment } from "./support/recordings.js";
import { tempDir } from "./support/media-tools.js";

const exec = promisify(execFile);

interface Manifest {
  segments: Array<{ duration: number; uri: string; discontinuity?: boolean; dateTimeString?: string }>;
  discontinuityStarts: number[];
  endList?: boolean;
  playlistType?: string;
}
function parse(text: string): Manifest {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as unknown as Manifest;
}

// Recorded two hours ago (a closed range), at a fixed minute so the test never straddles midnight.
const HOUR = 3_600_000;
const T = Math.floor((Date.now() - 2 * HOUR) / HOUR) * HOUR + 10 * 60_000;
const day = new Date(T).toISOString().slice(0, 10);
const iso = (ms: number) => new Date(ms).toISOString();

let dir: ReturnType<typeof tempDir>;
let store: LocalStore;
let server: Server;
let base: string;
let first: StoredSegment[];
let second: StoredSegment[];
const handler = () => createLambdaHandler({ store, prefix: "" });

beforeAll(async () => {
  dir = tempDir("ipc-hls-server-");
  store = new LocalStore(dir.path);
  first = await recordWithFfmpeg(store, "cam1", T, 7, "0000000a");
  // A reboot 5 s after the first recording ended: new session, timestamps restart.
  const firstEnd = first[first.length - 1].startMs + first[first.length - 1].durationMs;
  second = await recordWithFfmpeg(store, "cam1", firstEnd + 5000, 5, "0000000b");
  await recordWithFfmpeg(store, "cam2", T, 3);
  server = createReplayServer({ store });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  dir?.cleanup();
});

/** A raw request (fetch would normalise "/../" away before it leaves). */
function rawGet(path: string, method = "GET"): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(base);
    const req = httpRequest({ hostname, port, path, method }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

const playlistPath = (camera: string, start: number, end: number) => `/cameras/${camera}/playlist.m3u8?start=${iso(start)}&end=${iso(end)}`;

describe("replay server API", () => {
  it("lists the cameras", async () => {
    const res = await fetch(`${base}/cameras`);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ cameras: ["cam1", "cam2"] });
  });

  it("lists a day's recorded spans with the gap between them", async () => {
    const res = await fetch(`${base}/cameras/cam1/spans?day=${day}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    const span = (segs: StoredSegment[]) => ({ startMs: segs[0].startMs, endMs: segs[segs.length - 1].startMs + segs[segs.length - 1].durationMs, segments: segs.length });
    expect(body.spans.map((s: { startMs: number; endMs: number; segments: number }) => ({ startMs: s.startMs, endMs: s.endMs, segments: s.segments }))).toEqual([span(first), span(second)]);
    expect(body.recordedMs).toBe([...first, ...second].reduce((sum, s) => sum + s.durationMs, 0));
  });

  it("serves a playlist whose segments are the recorded bytes, with one DISCONTINUITY at the reboot", async () => {
    const url = `${base}${playlistPath("cam1", T - 60_000, T + HOUR / 2)}`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/vnd.apple.mpegurl");
    expect(res.headers.get("access-control-allow-origin")).toBeNull(); // CORS is off unless configured
    const m = parse(await res.text());
    const stored = [...first, ...second];
    expect(m.segments).toHaveLength(stored.length);
    expect(m.playlistType).toBe("VOD");
    expect(m.endList).toBe(true);
    expect(m.discontinuityStarts).toEqual([first.length]);
    expect(m.segments[first.length].dateTimeString).toBe(iso(second[0].startMs));
    const extinfSum = m.segments.reduce((sum, s) => sum + s.duration, 0);
    expect(extinfSum).toBeCloseTo(stored.reduce((sum, s) => sum + s.durationMs, 0) / 1000, 9);
    for (const [i, segment] of m.segments.entries()) {
      const got = await fetch(new URL(segment.uri, url));
      expect(got.headers.get("content-type")).toBe("video/mp2t");
      expect(Buffer.from(await got.arrayBuffer()).equals(stored[i].bytes), segment.uri).toBe(true);
    }
  });

  // ffmpeg's HLS reader does not reset its continuity-counter check at a DISCONTINUITY, so it judges one session.
  it("serves a playlist that ffmpeg plays through without an error", async () => {
    const url = `${base}${playlistPath("cam1", T, first[first.length - 1].startMs + 1)}`;
    const { stderr } = await exec("ffmpeg", ["-v", "error", "-xerror", "-i", url, "-map", "0", "-f", "null", "-"]);
    expect(stderr).toBe("");
  });

  it("serves a live (EVENT, no ENDLIST) playlist for a range that reaches now, even before anything is recorded", async () => {
    const res = await rawGet(playlistPath("cam1", Date.now() - HOUR / 2, Date.now() + HOUR));
    expect(res.status).toBe(200);
    const m = parse(res.body);
    expect(m.playlistType).toBe("EVENT");
    expect(m.endList).toBeFalsy();
    expect(res.body).not.toContain("#EXT-X-ENDLIST");
  });

  it("answers bad parameters with 400 and a JSON error", async () => {
    const bad = [
      `/cameras/cam1/playlist.m3u8?start=${iso(T)}`, // no end
      `/cameras/cam1/playlist.m3u8?start=yesterday&end=${iso(T)}`,
      `/cameras/cam1/playlist.m3u8?start=2026-11-25T10:00:00&end=2026-11-25T11:00:00`, // no zone
      playlistPath("cam1", T, T - 1000), // end before start
      playlistPath("cam1", T, T + 26 * HOUR), // longer than the bound
      `/cameras/cam1/spans?day=25-11-2026`,
      `/cameras/%2e%2e/playlist.m3u8?start=${iso(T)}&end=${iso(T + 1000)}`,
      `/cameras/.hidden/spans?day=${day}`,
      `/cameras/cam1%2F..%2Fcam2/spans?day=${day}`,
      `/cameras/a%20b/spans?day=${day}`,
      `/cameras/%E0%A4%A/spans?day=${day}`, // broken percent-encoding
    ];
    for (const path of bad) {
      const res = await rawGet(path);
      expect(res.status, path).toBe(400);
      expect(res.headers["content-type"], path).toMatch(/^application\/json/);
      expect(JSON.parse(res.body).error.message, path).toBeTruthy();
    }
  });

  it("answers unknown cameras and empty ranges with 404", async () => {
    const unknown = await rawGet(playlistPath("cam9", T, T + 60_000));
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body).error.code).toBe("unknown-camera");
    expect((await rawGet(`/cameras/cam9/spans?day=${day}`)).status).toBe(404);
    const empty = await rawGet(playlistPath("cam1", T - HOUR, T - HOUR / 2));
    expect(empty.status).toBe(404);
    expect(JSON.parse(empty.body).error.code).toBe("no-recordings");
    // A known camera on a day without recordings is not an error: the page shows an empty timeline.
    const quiet = await rawGet(`/cameras/cam1/spans?day=2020-01-01`);
    expect(quiet.status).toBe(200);
    expect(JSON.parse(quiet.body).spans).toEqual([]);
  });

  it("serves only segment files of the camera's key layout", async () => {
    const key = first[0].key.slice("cam1/".length);
    expect((await rawGet(`/cameras/cam1/segments/${key}`)).status).toBe(200);
    expect((await rawGet(`/cameras/cam2/segments/${key}`)).status).toBe(404); // cam1's name under cam2
    expect((await rawGet(`/cameras/cam1/segments/${key.replace(/\d{6}\.ts$/, "999999.ts")}`)).status).toBe(404);
    for (const path of ["/cameras/cam1/segments/%2e%2e/cam2/x.ts", "/cameras/cam1/segments/..%2F..%2Fpackage.json", "/cameras/..%2F/segments/a.ts", "/cameras/cam1/segments/2026/notes.txt"]) {
      expect((await rawGet(path)).status, path).toBe(400);
    }
  });

  it("serves the replay page and hls.js, nothing else from disk, and only GET/HEAD", async () => {
    const page = await rawGet("/");
    expect(page.status).toBe(200);
    expect(page.body).toContain("replay.js");
    const hls = await rawGet("/vendor/hls.min.js");
    expect(hls.status).toBe(200);
    expect(hls.body.length).toBeGreaterThan(100_000);
    expect((await rawGet("/../package.json")).status).toBe(404);
    expect((await rawGet("/web/index.html")).status).toBe(404);
    expect((await rawGet("/cameras", "POST")).status).toBe(405);
    const head = await rawGet(playlistPath("cam1", T, T + 60_000), "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("sends CORS headers only when an origin is configured", async () => {
    const corsServer = createReplayServer({ store, corsOrigin: "https://replay.example" });
    await new Promise<void>((resolve) => corsServer.listen(0, "127.0.0.1", resolve));
    try {
      const port = (corsServer.address() as AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/cameras`);
      expect(res.headers.get("access-control-allow-origin")).toBe("https://replay.example");
      const error = await fetch(`http://127.0.0.1:${port}/cameras/cam9/spans?day=${day}`);
      expect(error.status).toBe(404);
      expect(error.headers.get("access-control-allow-origin")).toBe("https://replay.example");
    } finally {
      await new Promise((resolve) => corsServer.close(resolve));
    }
  });
});

describe("Lambda proxy handler", () => {
  const requests = [
    playlistPath("cam1", T - 60_000, T + HOUR / 2),
    playlistPath("cam1", T - 60_000, T + HOUR / 2).replace("playlist.m3u8", "iframes.m3u8"),
    `/cameras/cam1/spans?day=${day}`,
    "/cameras",
    playlistPath("cam9", T, T + 60_000),
    `/cameras/cam1/playlist.m3u8?start=nonsense&end=${iso(T)}`,
    `/cameras/%2e%2e/spans?day=${day}`,
  ];

  it("returns the same status and body as the server (REST API payload 1.0 and HTTP API payload 2.0)", async () => {
    const lambda = handler();
    for (const path of requests) {
      const fromServer = await rawGet(path);
      // Split by hand: new URL() would resolve the "%2e%2e" that the handler must refuse itself.
      const [pathname, search = ""] = path.split("?");
      const v1: ProxyEvent = {
        httpMethod: "GET",
        path: pathname,
        queryStringParameters: search ? Object.fromEntries(new URLSearchParams(search)) : null,
      };
      const v2: ProxyEvent = { rawPath: pathname, rawQueryString: search, requestContext: { stage: "$default", http: { method: "GET" } } };
      for (const event of [v1, v2]) {
        const result = await lambda(event);
        expect(result.statusCode, path).toBe(fromServer.status);
        expect(result.body, path).toBe(fromServer.body);
        expect(result.headers["content-type"], path).toBe(fromServer.headers["content-type"]);
      }
    }
  });

  it("strips a named HTTP API stage from the path", async () => {
    const result = await handler()({ rawPath: "/prod/cameras", rawQueryString: "", requestContext: { stage: "prod", http: { method: "GET" } } });
    expect(JSON.parse(result.body)).toEqual({ cameras: ["cam1", "cam2"] });
  });
});
