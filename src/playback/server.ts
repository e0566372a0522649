// The replay server: the playback API, segment delivery for a local store, and the replay page with hls.js.
// With an Authenticator every route but the page's own files needs a session cookie or the bearer token (segments
// also take a signed URL); POST /login opens a session, POST /logout ends it, GET /session tells whether one is open.
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { normalizePrefix, parseInitKey, parseSegmentKey } from "../keys.js";
import type { OpenedObject } from "../store/local-store.js";
import { parseByteRange, type ByteRange } from "./byte-range.js";
import { CAMERA_RE, createPlaybackApi, errorResponse, json, type ApiResponse, type PlaybackApiOptions, type PlaybackStore } from "./api.js";
import type { Authenticator } from "./auth.js";
import { createUrlSigner, type UrlSigner } from "./url-signing.js";

export interface ReplayServerOptions extends PlaybackApiOptions {
  store: PlaybackStore & { open?(key: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<OpenedObject | undefined> };
  /** Where the page's files are. Default: the package's web/ folder. */
  webRoot?: string;
  /** Requires a login or the bearer token for everything but the page's files. Default: no authentication. */
  auth?: Authenticator;
  /** Signs the segment URLs of playlists (directory stores) when auth is on. Default: a fresh key, 1 hour. */
  signer?: UrlSigner;
}

/** A login body is a user name and a password: anything longer is not one. */
const MAX_LOGIN_BODY = 4096;

const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The page's script modules (web/). */
const PAGE_MODULES = ["replay.js", "timeline.js", "player.js", "grid.js", "thumbnails.js", "ts-picture.js", "fmp4-picture.js"];

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
  // The login form for a server with authentication (a plain form: POST /login answers it with a redirect).
  files["/login.html"] = { path: join(webRoot, "login.html"), type: "text/html; charset=utf-8" };
  return files;
}

export function createReplayServer(options: ReplayServerOptions): Server {
  return createServer(createReplayListener(options));
}

/** The same server over TLS (serve --tls-cert/--tls-key). */
export function createSecureReplayServer(options: ReplayServerOptions, tls: { cert: Buffer | string; key: Buffer | string }): HttpsServer {
  return createHttpsServer({ cert: tls.cert, key: tls.key }, createReplayListener(options));
}

export function createReplayListener(options: ReplayServerOptions): RequestListener {
  const auth = options.auth;
  // Segment URLs for the browser expire when authentication is on (S3 stores presign them instead).
  const signer = auth && !options.store.presign ? (options.signer ?? createUrlSigner({ now: options.now })) : undefined;
  const api = createPlaybackApi({ ...options, signSegment: signer ? (key) => signer.sign(key) : undefined });
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

  const unauthorized = (req: IncomingMessage, res: ServerResponse, status: 401 | 403 | 429, retryAfterS?: number) => {
    const messages = {
      401: ["unauthorized", "log in (POST /login) or send Authorization: Bearer <token>"],
      403: ["bad-signature", "this link has expired or is not valid: reload the playlist"],
      429: ["too-many-attempts", `too many failed attempts: try again in ${retryAfterS} s`],
    } as const;
    const answer = json(status, { error: { code: messages[status][0], message: messages[status][1] } });
    if (status === 401) answer.headers["www-authenticate"] = 'Bearer realm="ipc-hls"';
    if (retryAfterS !== undefined) answer.headers["retry-after"] = String(retryAfterS);
    send(req, res, answer);
  };

  const clientAddress = (req: IncomingMessage) => req.socket.remoteAddress ?? "unknown";

  /** POST /login with {"user","password"} (JSON or a form); the token alone goes in "password" with no user. */
  const login = async (req: IncomingMessage, res: ServerResponse) => {
    // A login posted from another site's page is refused (the cookie itself is SameSite=Strict).
    const origin = req.headers.origin;
    if (origin !== undefined && (origin === "null" || URL.canParse(origin) === false || new URL(origin).host !== req.headers.host)) {
      return send(req, res, json(403, { error: { code: "cross-origin", message: "a login must come from this server's page" } }));
    }
    const body = await readBody(req, MAX_LOGIN_BODY);
    if (body === undefined) return send(req, res, json(413, { error: { code: "too-large", message: "a login is a user and a password" } }));
    const fields = loginFields(req.headers["content-type"] ?? "", body);
    if (!fields) return send(req, res, json(400, { error: { code: "bad-request", message: 'send {"user": ..., "password": ...} as JSON or a form' } }));
    const result = await auth!.login(fields, clientAddress(req));
    // A plain HTML form (no script) gets a redirect back to the page; a script gets JSON.
    const fromForm = /\btext\/html\b/.test(req.headers.accept ?? "");
    if (result.ok) {
      res.setHeader("set-cookie", result.setCookie);
      if (fromForm) return redirect(res, "/");
      return send(req, res, json(200, { user: result.user, expires: new Date(result.expiresMs).toISOString() }));
    }
    if (fromForm) return redirect(res, result.status === 429 ? "/login.html#wait" : "/login.html#failed", result.retryAfterS);
    if (result.status === 401) return send(req, res, json(401, { error: { code: "login-failed", message: "wrong user or password" } }));
    return unauthorized(req, res, result.status, result.retryAfterS);
  };

  /** GET /session: 200 {"user"} with a session or token, 401 without; {"auth": false} when the server has no auth. */
  const session = (req: IncomingMessage, res: ServerResponse) => {
    if (!auth) return send(req, res, json(200, { auth: false }));
    const result = auth.authenticate(req.headers, clientAddress(req));
    if (result.ok) return send(req, res, json(200, { auth: true, user: result.user }));
    return unauthorized(req, res, result.status, result.retryAfterS);
  };

  /**
   * GET /cameras/<camera>/segments/YYYY/MM/DD/HH/<name>.ts (or .m4s), and fMP4 init segments at
   * /cameras/<camera>/segments/init/<name>.mp4: only keys of the layout, only from a local store.
   */
  const sendSegment = async (req: IncomingMessage, res: ServerResponse, camera: string, rest: string[], query: URLSearchParams): Promise<boolean> => {
    if (!options.store.open) return false;
    const within = rest.map((p) => decodeURIComponent(p)).join("/");
    const prefix = rootPrefix ? `${rootPrefix}/${camera}` : camera;
    const key = `${prefix}/${within}`;
    const fields = parseSegmentKey(key) ?? parseInitKey(key);
    if (!CAMERA_RE.test(camera) || !fields || fields.prefix !== prefix) {
      send(req, res, json(400, { error: { code: "bad-segment", message: "not a segment name" } }));
      return true;
    }
    if (auth) {
      // A session or the token, else a signature made by this process for this very key that has not expired.
      const who = auth.authenticate(req.headers, clientAddress(req));
      if (!who.ok) {
        const signed = query.has("sig") || query.has("exp");
        const verdict = signed ? signer?.check(key, query) : undefined;
        if (verdict !== "valid") {
          if (signed) unauthorized(req, res, 403); // expired, or not made by this process for this key
          else unauthorized(req, res, who.status, who.retryAfterS);
          return true;
        }
      }
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
    // (Behind a login, shared caches must not keep them.)
    const headers: Record<string, string | number> = { "content-type": contentTypeOf(key), "content-length": opened.size, "cache-control": `${auth ? "private" : "public"}, max-age=31536000, immutable`, "accept-ranges": "bytes" };
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
    if (url.pathname === "/login" || url.pathname === "/logout") {
      if (method !== "POST") return send(req, res, json(405, { error: { code: "method-not-allowed", message: `use POST ${url.pathname}` } }));
      if (!auth) return send(req, res, json(404, { error: { code: "no-auth", message: "this server has no login" } }));
      if (url.pathname === "/login") return login(req, res);
      res.setHeader("set-cookie", auth.logout(req.headers));
      return send(req, res, json(200, { loggedOut: true }));
    }
    if (url.pathname === "/session" && (method === "GET" || method === "HEAD")) return session(req, res);
    // The page's own files load without a login: the page shows the login form.
    const file = files[url.pathname];
    if (file && (method === "GET" || method === "HEAD")) return sendFile(req, res, file.path, file.type, "no-cache");
    const parts = url.pathname.split("/").slice(1);
    const isSegment = parts[0] === "cameras" && parts[2] === "segments" && parts.length > 3;
    if (auth && !isSegment && method !== "OPTIONS") {
      const who = auth.authenticate(req.headers, clientAddress(req));
      if (!who.ok) return unauthorized(req, res, who.status, who.retryAfterS);
    }
    const apiAnswer = await api({ method, path: url.pathname, query: url.searchParams });
    if (apiAnswer) return send(req, res, apiAnswer);
    if (method !== "GET" && method !== "HEAD") return send(req, res, json(405, { error: { code: "method-not-allowed", message: `${method} is not allowed here` } }));
    if (isSegment) {
      if (await sendSegment(req, res, decodeURIComponent(parts[1]), parts.slice(3), url.searchParams)) return;
    }
    send(req, res, json(404, { error: { code: "not-found", message: "no such route" } }));
  };

  return (req, res) => {
    handle(req, res).catch((err) => {
      if (res.headersSent) return void res.destroy();
      // Undecodable percent-escapes in a path are the client's mistake.
      if (err instanceof URIError) return send(req, res, json(400, { error: { code: "bad-request", message: "bad percent-encoding in the path" } }));
      options.onError?.(err);
      send(req, res, errorResponse(err));
    });
  };
}

function redirect(res: ServerResponse, location: string, retryAfterS?: number): void {
  res.writeHead(303, { location, "content-length": 0, ...(retryAfterS !== undefined ? { "retry-after": String(retryAfterS) } : {}) });
  res.end();
}

/** The request body as text, or undefined when it is longer than `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function loginFields(contentType: string, body: string): { user?: string; password?: string } | undefined {
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  if (/^application\/json\b/i.test(contentType)) {
    try {
      const value = JSON.parse(body) as Record<string, unknown>;
      if (typeof value !== "object" || value === null) return undefined;
      return { user: text(value.user), password: text(value.password) };
    } catch {
      return undefined;
    }
  }
  const form = new URLSearchParams(body);
  return { user: form.get("user") ?? undefined, password: form.get("password") ?? undefined };
}

/** The media type of a stored segment by its key: MPEG-TS, an fMP4 media segment, or an fMP4 init segment. */
function contentTypeOf(key: string): string {
  return key.endsWith(".ts") ? "video/mp2t" : key.endsWith(".m4s") ? "video/iso.segment" : "video/mp4";
}
