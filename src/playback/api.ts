// The playback API, independent of any HTTP framework: the replay server and the Lambda handler both call it,
// so the same request gets the same answer from either.
//
//   GET /cameras                                          → {"cameras": ["cam1", ...]}
//   GET /cameras/<camera>/iframes.m3u8?start=<t>&end=<t>  → I-frame playlist of the range (each segment's first picture)
//   GET /cameras/<camera>/playlist.m3u8?start=<t>&end=<t> → HLS playlist (the C SDK demo site's API)
//   GET /cameras/<camera>/spans?day=YYYY-MM-DD            → recorded spans of that UTC day (or ?start=&end=)
//   GET /cameras/<camera>/clip.mp4?start=<t>&end=<t>      → the range as one MP4 (see clip.ts)
//
// A camera's recordings live under <store prefix>/<camera>/ (the camera name is the SDK's key prefix).
import { CAMERA_RE, normalizePrefix } from "../keys.js";
import { buildIframePlaylist } from "./iframe-playlist.js";
import type { PlaylistEntry, PlaylistOptions } from "./playlist.js";
import { checkExpiry, type PresignedUrl } from "../s3/presign.js";
import type { ListedObject } from "../store/types.js";
import { ClipSourceError, ClipTooLargeError, DEFAULT_CLIP_LIMITS, NothingRecordedError, planClip, remuxToMp4, segmentReaderFor, type ClipLimits, type SegmentReader } from "./clip.js";
import { rangePlaylist } from "./range-playlist.js";
import { findSegments, spansOf, type RecordedSegment } from "./recordings.js";
import { checkRange, InvalidTimeError, parseTime, type TimeRange } from "./time-range.js";

/** What the API needs from a store. LocalStore and S3Store both fit. */
export interface PlaybackStore {
  readonly description: string;
  list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]>;
  listFolders(prefix: string, signal?: AbortSignal): Promise<string[]>;
  hasAny(prefix: string, signal?: AbortSignal): Promise<boolean>;
  /** Present on S3 stores: playlists then point at presigned URLs. Without it they point at this server. */
  presign?(key: string, expiresIn: number, signingDate?: Date): Promise<PresignedUrl>;
}

export interface PlaybackApiOptions {
  store: PlaybackStore;
  /** The prefix under which the camera folders are ("" = the store's root). */
  prefix?: string;
  /** Lifetime of presigned segment URLs in seconds (S3 stores). Default 3600. */
  presignExpiresIn?: number;
  /** Longest range a request may ask for. Default 25 h: a day, including a day with a daylight-saving change. */
  maxRangeMs?: number;
  /** The origin allowed by CORS (e.g. "https://replay.example.com" or "*"); CORS headers only when set. */
  corsOrigin?: string;
  /** The clock (ms since the epoch): decides live vs. closed ranges and the presigning time. */
  now?: () => number;
  /** Directory stores: the query ("exp=..&sig=..") that makes a segment's server URL a short-lived signed one. */
  signSegment?: (key: string) => string;
  /** The size and duration caps of clip.mp4 (default DEFAULT_CLIP_LIMITS). */
  clipLimits?: ClipLimits;
  /** Reads a stored segment for clip.mp4. Default: from the store (a directory store's open, an S3 store's GET). */
  readSegment?: SegmentReader;
  /** Told about every request that failed on our side (5xx), e.g. to log it. Messages carry no secrets. */
  onError?: (err: unknown) => void;
}

export interface ApiRequest {
  method: string;
  /** The URL path, still percent-encoded, without the query. */
  path: string;
  query: URLSearchParams;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string>;
  /** Text, or bytes for a clip. */
  body: string | Uint8Array;
}

export { CAMERA_RE };
const DAY_MS = 86_400_000;
/** Clips made at the same time by one server (each may hold up to the clip limit in memory). */
const MAX_CLIPS_AT_ONCE = 2;

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Builds the request handler. It resolves to undefined for paths that are not API routes. */
export function createPlaybackApi(options: PlaybackApiOptions) {
  const store = options.store;
  const rootPrefix = normalizePrefix(options.prefix ?? "");
  const maxRangeMs = options.maxRangeMs ?? 25 * 3_600_000;
  // A bad expiry fails here, at start-up, not on the first request.
  const expiresIn = checkExpiry(options.presignExpiresIn ?? 3600);
  const now = options.now ?? Date.now;
  const cameraPrefix = (camera: string) => (rootPrefix ? `${rootPrefix}/${camera}` : camera);
  const clipLimits = options.clipLimits ?? DEFAULT_CLIP_LIMITS;
  let readSegment = options.readSegment;
  // A clip is built in memory (about 2.5 times its size at the peak): only a few at once, the rest wait their turn.
  let clipsBuilding = 0;

  /** Where a player fetches a segment: presigned S3 URL, or this server relative to the playlist's URL. */
  const segmentUri = async (camera: string, segment: RecordedSegment): Promise<string> => {
    if (store.presign) {
      return (await store.presign(segment.key, expiresIn, options.now ? new Date(now()) : undefined)).url;
    }
    const withinCamera = segment.key.slice(cameraPrefix(camera).length + 1);
    const uri = "segments/" + withinCamera.split("/").map(encodeURIComponent).join("/");
    return options.signSegment ? `${uri}?${options.signSegment(segment.key)}` : uri;
  };

  /** 404 for a camera with nothing recorded at all; a known camera with nothing in the range is not an error. */
  const requireCamera = async (camera: string) => {
    if (!(await store.hasAny(cameraPrefix(camera) + "/"))) throw new ApiError(404, "unknown-camera", `no recordings for camera ${JSON.stringify(camera)}`);
  };

  const routes = {
    async cameras(): Promise<ApiResponse> {
      const cameras = (await store.listFolders(rootPrefix)).filter((name) => CAMERA_RE.test(name));
      return json(200, { cameras });
    },

    /** A media playlist, or another kind (`build`, e.g. an I-frame playlist) of the same segments. */
    async playlist(camera: string, query: URLSearchParams, build?: (entries: readonly PlaylistEntry[], options: PlaylistOptions) => string): Promise<ApiResponse> {
      const range = rangeFromQuery(query, maxRangeMs);
      const result = await rangePlaylist({
        store,
        prefix: cameraPrefix(camera),
        range,
        now: now(),
        segmentUri: (segment) => segmentUri(camera, segment),
        build,
      });
      if (result.segments.length === 0) {
        await requireCamera(camera);
        // An empty closed playlist plays nothing; say why instead. (A live range may still fill up.)
        if (!result.live) throw new ApiError(404, "no-recordings", "nothing was recorded in this range");
      }
      return { status: 200, headers: { "content-type": "application/vnd.apple.mpegurl", "cache-control": "no-store" }, body: result.playlist };
    },

    async clip(camera: string, query: URLSearchParams): Promise<ApiResponse> {
      const range = rangeFromQuery(query, maxRangeMs);
      let plan;
      try {
        plan = await planClip(store, cameraPrefix(camera), range, clipLimits);
      } catch (err) {
        if (err instanceof NothingRecordedError) {
          await requireCamera(camera);
          throw new ApiError(404, "no-recordings", err.message);
        }
        if (err instanceof ClipTooLargeError) throw new ApiError(413, "clip-too-large", err.message);
        throw err;
      }
      readSegment ??= segmentReaderFor(store as Parameters<typeof segmentReaderFor>[0]);
      if (clipsBuilding >= MAX_CLIPS_AT_ONCE) throw new ApiError(503, "busy", "other clips are being made: try again in a few seconds");
      clipsBuilding++;
      let mp4: Uint8Array;
      try {
        mp4 = await remuxToMp4(plan.segments, readSegment);
      } catch (err) {
        if (err instanceof ClipSourceError) throw new ApiError(422, "clip-unreadable", err.message);
        throw err;
      } finally {
        clipsBuilding--;
      }
      const stamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, "-");
      return {
        status: 200,
        headers: {
          "content-type": "video/mp4",
          "content-disposition": `attachment; filename="${camera}_${stamp(plan.startMs)}.mp4"`,
          "cache-control": "no-store",
          // Where the clip really starts and ends: at segment boundaries around the asked range.
          "x-clip-start": new Date(plan.startMs).toISOString(),
          "x-clip-end": new Date(plan.endMs).toISOString(),
        },
        body: mp4,
      };
    },

    async spans(camera: string, query: URLSearchParams): Promise<ApiResponse> {
      let range: TimeRange;
      const day = query.get("day");
      if (day !== null) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) throw new ApiError(400, "bad-request", `bad day ${JSON.stringify(day)}: give YYYY-MM-DD`);
        const startMs = parseOrBadRequest(day, "day");
        range = { startMs, endMs: startMs + DAY_MS };
      } else {
        range = rangeFromQuery(query, maxRangeMs);
      }
      const segments = await findSegments(store, cameraPrefix(camera), range);
      if (segments.length === 0) await requireCamera(camera);
      const spans = spansOf(segments).map((s) => ({
        start: new Date(s.startMs).toISOString(),
        end: new Date(s.endMs).toISOString(),
        startMs: s.startMs,
        endMs: s.endMs,
        segments: s.segments,
      }));
      const recordedMs = segments.reduce((sum, s) => sum + s.durationMs, 0);
      return json(200, {
        camera,
        start: new Date(range.startMs).toISOString(),
        end: new Date(range.endMs).toISOString(),
        recordedMs,
        spans,
      });
    },

    iframes(camera: string, query: URLSearchParams): Promise<ApiResponse> {
      return routes.playlist(camera, query, buildIframePlaylist);
    },
  };

  const withCors = (res: ApiResponse): ApiResponse => {
    if (options.corsOrigin) {
      res.headers["access-control-allow-origin"] = options.corsOrigin;
      res.headers["vary"] = "Origin";
    }
    return res;
  };

  return async function handle(req: ApiRequest): Promise<ApiResponse | undefined> {
    const parts = req.path.split("/").slice(1);
    if (parts[0] !== "cameras") return undefined;
    const route = matchRoute(parts);
    if (!route) return undefined;
    try {
      if (req.method === "OPTIONS" && options.corsOrigin) {
        return withCors({ status: 204, headers: { "access-control-allow-methods": "GET, HEAD", "access-control-max-age": "600" }, body: "" });
      }
      if (req.method !== "GET" && req.method !== "HEAD") throw new ApiError(405, "method-not-allowed", `${req.method} is not allowed here`);
      if (route.name === "cameras") return withCors(await routes.cameras());
      const camera = route.camera;
      if (!CAMERA_RE.test(camera)) throw new ApiError(400, "bad-camera", "a camera name is 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
      return withCors(await routes[route.name](camera, req.query));
    } catch (err) {
      const answer = errorResponse(err);
      if (answer.status >= 500) options.onError?.(err);
      return withCors(answer);
    }
  };
}

type Route = { name: "cameras" } | { name: "playlist" | "iframes" | "spans" | "clip"; camera: string };

function matchRoute(parts: string[]): Route | undefined {
  if (parts.length === 1 || (parts.length === 2 && parts[1] === "")) return { name: "cameras" };
  if (parts.length !== 3) return undefined;
  let camera: string;
  try {
    camera = decodeURIComponent(parts[1]);
  } catch {
    camera = "\0"; // undecodable: rejected as a bad camera name
  }
  if (parts[2] === "iframes.m3u8") return { name: "iframes", camera };
  if (parts[2] === "playlist.m3u8") return { name: "playlist", camera };
  if (parts[2] === "spans") return { name: "spans", camera };
  if (parts[2] === "clip.mp4") return { name: "clip", camera };
  return undefined;
}

function parseOrBadRequest(text: string, what: string): number {
  try {
    return parseTime(text, what);
  } catch (err) {
    throw new ApiError(400, "bad-request", (err as Error).message);
  }
}

function rangeFromQuery(query: URLSearchParams, maxRangeMs: number): TimeRange {
  const start = query.get("start");
  const end = query.get("end");
  if (start === null || end === null) throw new ApiError(400, "bad-request", "start and end are required (ISO 8601 with a zone, or epoch ms)");
  const startMs = parseOrBadRequest(start, "start");
  const endMs = parseOrBadRequest(end, "end");
  try {
    return checkRange(startMs, endMs, maxRangeMs);
  } catch (err) {
    if (err instanceof InvalidTimeError) throw new ApiError(400, "bad-request", err.message);
    throw err;
  }
}

export function json(status: number, value: unknown): ApiResponse {
  return { status, headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" }, body: JSON.stringify(value) + "\n" };
}

/** Our own errors keep their status; a failing store is a 502 (S3 error messages carry no secrets); anything else 500. */
export function errorResponse(err: unknown): ApiResponse {
  if (err instanceof ApiError) return json(err.status, { error: { code: err.code, message: err.message } });
  const e = err as Error;
  if (/^S3|ListParseError/.test(e?.name ?? "") || e?.name === "AbortError") {
    return json(502, { error: { code: "store-unavailable", message: `the recording store failed: ${e.message}` } });
  }
  return json(500, { error: { code: "internal", message: "internal error" } });
}
