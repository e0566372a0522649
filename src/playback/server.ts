// The replay server: the playback API, segment delivery for a local store, and the replay page with hls.js.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { normalizePrefix, parseSegmentKey } from "../keys.js";
import type { OpenedObject } from "../store/local-store.js";
import { parseByteRange, type ByteRange } from "./byte-range.js";
import { CAMERA_RE, createPlaybackApi, errorResponse, json, type ApiResponse, type PlaybackApiOptions, type PlaybackStore } from "./api.js";

export interface ReplayServerOptions extends PlaybackApiOptions {
  store: PlaybackStore & { open?(key: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<OpenedObject | undefined> };
  /** Where the page's files are. Default: the package's web/ folder. */
  webRoot?: string;
}

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The page's script modules (web/). */
const PAGE_MODULES = ["replay.js", "timeline.js", "player.js", "grid.js", "thumbnails.js", "ts-picture.js"];

/** The page's files: the only static files the server hands out (no directory is served as a whole). */
function staticFiles(webRoot: string): Record<string, { path: string; type: string }> {
  const files: Record<string, { path: string; type: string }> = {
    "/": { path: join(webRoot, "index.html"), type: "text/html; charset=utf-8" },
    "/index.html": { path: join(webRoot, "index.html"), type: "text/html; charset=utf-8" },
    "/replay.css": { path: join(webRoot, "replay.css"), type: "text/css; charset=utf-8" },
  };
  for (const module of PAGE_MODULES) files[`/${module}`] = { path: join(webRoot, module), type: "text/javascript; charset=utf-8" };
  // hls.js is served from the installed package; without it the page says it cannot play.
  try {
    files["/vendor/hls.min.js"] = { path: createRequire(import.meta.url).resolve("hls.js/dist/hls.min.js"), type: "text/javascript; charset=utf-8" };
  } catch {
    // not installed: /vendor/hls.min.js answers 404
  }
  return files;
}

export function createReplayServer(options: ReplayServerOptions): Server {
  const api = createPlaybackApi(options);
  const files = staticFiles(options.webRoot ?? join(packageRoot, "web"));
  const rootPrefix = normalizePrefix(options.prefix ?? "");

  const send = (req: IncomingMessage, res: ServerResponse, answer: ApiResponse) => {
    res.writeHead(answer.status, { ...answer.headers, "content-length": Buffer.byteLength(answer.body), "x-content-type-options": "nosniff" });
    res.end(req.method === "HEAD" ? undefined : answer.body);
  };

  const sendFile = async (req: IncomingMessage, res: ServerResponse, path: string, type: string, cache: string) => {
    const info = await stat(path);
    res.writeHead(200, { "content-type": type, "content-length": info.size, "cache-control": cache, "x-content-type-options": "nosniff" });
    if (req.method === "HEAD") return void res.end();
    createReadStream(path).on("error", () => res.destroy()).pipe(res);
  };

  /** GET /cameras/<camera>/segments/YYYY/MM/DD/HH/<name>.ts: only keys of the segment layout, only from a local store. */
  const sendSegment = async (req: IncomingMessage, res: ServerResponse, camera: string, rest: string[]): Promise<boolean> => {
    if (!options.store.open) return false;
    const within = rest.map((p) => decodeURIComponent(p)).join("/");
    const prefix = rootPrefix ? `${rootPrefix}/${camera}` : camera;
    const key = `${prefix}/${within}`;
    const fields = parseSegmentKey(key);
    if (!CAMERA_RE.test(camera) || !fields || fields.prefix !== prefix) {
      send(req, res, json(400, { error: { code: "bad-segment", message: "not a segment name" } }));
      return true;
    }
    // Thumbnails and I-frame playlists ask for a segment's first picture with a Range.
    let range: ByteRange | "unsatisfiable" | undefined;
    const opened = await options.store.open(key, (size) => {
      range = parseByteRange(req.headers.range, size);
      return typeof range === "object" ? range : undefined;
    });
    if (!opened) {
      send(req, res, json(404, { error: { code: "no-such-segment", message: "no such segment" } }));
      return true;
    }
    // A segment never changes once written (its key is unique), so players and proxies may keep it.
    const headers: Record<string, string | number> = { "content-type": "video/mp2t", "content-length": opened.size, "cache-control": "public, max-age=31536000, immutable", "accept-ranges": "bytes" };
    if (options.corsOrigin) headers["access-control-allow-origin"] = options.corsOrigin;
    if (range === "unsatisfiable") {
      opened.stream.destroy();
      res.writeHead(416, { ...headers, "content-range": `bytes */${opened.size}`, "content-length": 0 });
      res.end();
      return true;
    }
    if (range) {
      headers["content-range"] = `bytes ${range.start}-${range.end}/${opened.size}`;
      headers["content-length"] = range.end - range.start + 1;
    }
    res.writeHead(range ? 206 : 200, headers);
    if (req.method === "HEAD") {
      opened.stream.destroy();
      res.end();
      return true;
    }
    opened.stream.on("error", () => res.destroy()).pipe(res);
    return true;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    // The path as sent: no dot-segment normalisation, so "/cameras/%2e%2e/..." reaches the camera-name check
    // and is refused as a bad name instead of silently meaning another route.
    const target = req.url ?? "/";
    const queryAt = target.indexOf("?");
    const url = { pathname: queryAt < 0 ? target : target.slice(0, queryAt), searchParams: new URLSearchParams(queryAt < 0 ? "" : target.slice(queryAt + 1)) };
    const method = req.method ?? "GET";
    const apiAnswer = await api({ method, path: url.pathname, query: url.searchParams });
    if (apiAnswer) return send(req, res, apiAnswer);
    if (method !== "GET" && method !== "HEAD") return send(req, res, json(405, { error: { code: "method-not-allowed", message: `${method} is not allowed here` } }));
    const parts = url.pathname.split("/").slice(1);
    if (parts[0] === "cameras" && parts[2] === "segments" && parts.length > 3) {
      if (await sendSegment(req, res, decodeURIComponent(parts[1]), parts.slice(3))) return;
    }
    const file = files[url.pathname];
    if (file) return sendFile(req, res, file.path, file.type, "no-cache");
    send(req, res, json(404, { error: { code: "not-found", message: "no such route" } }));
  };

  return createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      // Undecodable percent-escapes in a path are the client's mistake.
      if (err instanceof URIError) return send(req, res, json(400, { error: { code: "bad-request", message: "bad percent-encoding in the path" } }));
      options.onError?.(err);
      send(req, res, errorResponse(err));
    });
  });
}
