// Health of a long-running `ipc-hls record`: Prometheus text exposition format 0.0.4 on GET /metrics, one series
// per camera (label camera="<name>"), and GET /healthz for a supervisor or a load balancer (200 "ok", else 503 with
// the reasons). There is no authentication, so the server listens on loopback unless the caller explicitly allows
// another address. The numbers are read from `cameras()` at each request: nothing is kept here.
import http from "node:http";
import { isIP } from "node:net";

/** What one camera reports; the record command fills it from its recorder and its source. */
export interface CameraMetrics {
  /** The camera's name (the label value; any text, escaped here). */
  name: string;
  /** The source delivers frames now (1); 0 while connecting, reconnecting or after a fatal error. */
  up: boolean;
  /** Frames taken from the source since start (muxed or dropped). */
  videoFramesIn: number;
  audioFramesIn: number;
  /** Video frames lost before the recorder: damaged by missing RTP packets (UDP loss, or a camera that dropped them). */
  sourceFramesLost: number;
  /** Segments stored (from the ring or from the spill directory), lost, and moved to the spill directory. */
  segmentsUploaded: number;
  segmentsDropped: number;
  segmentsSpilled: number;
  /** Connection attempts after the first (each one counted, successful or not). */
  reconnects: number;
  /** When the camera started recording, and when a segment was last stored (ms since the epoch). */
  startedMs: number;
  lastUploadMs?: number;
  /** Bytes of the ring buffer in use now, and its size. */
  bufferBytesUsed: number;
  bufferBytesCapacity: number;
}

export interface MetricsServerOptions {
  /** TCP port; 0 picks a free one (see the result's `port`). */
  port: number;
  /** Default 127.0.0.1. Anything but loopback needs `allowRemote`. */
  host?: string;
  /** Listen on a non-loopback address (the endpoints have no authentication: put a firewall or a proxy in front). */
  allowRemote?: boolean;
  cameras: () => CameraMetrics[];
  /** /healthz fails for a camera whose last upload (or start, before the first) is older than this. Default 60. */
  staleAfterSeconds?: number;
  /** Clock (ms since the epoch); tests inject one. Default Date.now. */
  now?: () => number;
}

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/** The address is not loopback and allowRemote was not given. */
export class MetricsHostRefusedError extends Error {
  override name = "MetricsHostRefusedError";
}

export const DEFAULT_STALE_AFTER_SECONDS = 60;
const CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const host = options.host ?? "127.0.0.1";
  if (!options.allowRemote && !isLoopback(host)) {
    throw new MetricsHostRefusedError(`the metrics server has no authentication: ${host} is not a loopback address (allowRemote to listen there anyway)`);
  }
  const staleAfterMs = (options.staleAfterSeconds ?? DEFAULT_STALE_AFTER_SECONDS) * 1000;
  const now = options.now ?? Date.now;
  const server = http.createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    const send = (status: number, body: string, contentType = "text/plain; charset=utf-8") => {
      res.writeHead(status, { "content-type": contentType, "cache-control": "no-store" });
      res.end(req.method === "HEAD" ? undefined : body);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "use GET\n");
    if (path !== "/metrics" && path !== "/healthz") return send(404, "not found: try /metrics or /healthz\n");
    let cameras: CameraMetrics[];
    try {
      cameras = options.cameras();
    } catch (err) {
      return send(500, `metrics unavailable: ${(err as Error).message}\n`);
    }
    if (path === "/metrics") return send(200, formatMetrics(cameras, now()), CONTENT_TYPE);
    const reasons = unhealthyReasons(cameras, now(), staleAfterMs);
    send(reasons.length === 0 ? 200 : 503, reasons.length === 0 ? "ok\n" : reasons.join("\n") + "\n");
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Why /healthz fails: one line per camera that is down or has not stored a segment for too long. */
export function unhealthyReasons(cameras: readonly CameraMetrics[], nowMs: number, staleAfterMs: number): string[] {
  if (cameras.length === 0) return ["no cameras"];
  const reasons: string[] = [];
  for (const camera of cameras) {
    if (!camera.up) reasons.push(`camera ${JSON.stringify(camera.name)}: down`);
    const ageMs = nowMs - (camera.lastUploadMs ?? camera.startedMs);
    if (ageMs > staleAfterMs) {
      const since = camera.lastUploadMs === undefined ? " since start" : "";
      reasons.push(`camera ${JSON.stringify(camera.name)}: no segment stored for ${Math.round(ageMs / 1000)} s${since}`);
    }
  }
  return reasons;
}

interface Family {
  name: string;
  type: "counter" | "gauge";
  help: string;
  /** Extra labels after camera="…" (e.g. the track), and the value, per sample of one camera. */
  samples: (camera: CameraMetrics, nowMs: number) => [extraLabels: string, value: number][];
}

const FAMILIES: Family[] = [
  {
    name: "ipc_hls_frames_in_total",
    type: "counter",
    help: "Frames taken from the camera's source, by track.",
    samples: (c) => [
      ['track="video"', c.videoFramesIn],
      ['track="audio"', c.audioFramesIn],
    ],
  },
  {
    name: "ipc_hls_source_frames_lost_total",
    type: "counter",
    help: "Video frames lost before the recorder: damaged by RTP packets missing at the source.",
    samples: (c) => [["", c.sourceFramesLost]],
  },
  { name: "ipc_hls_segments_uploaded_total", type: "counter", help: "Segments stored, from the ring or the spill directory.", samples: (c) => [["", c.segmentsUploaded]] },
  { name: "ipc_hls_segments_dropped_total", type: "counter", help: "Segments lost: buffer overflow, failed upload, full spill directory.", samples: (c) => [["", c.segmentsDropped]] },
  { name: "ipc_hls_segments_spilled_total", type: "counter", help: "Segments moved to the spill directory to wait for the store.", samples: (c) => [["", c.segmentsSpilled]] },
  { name: "ipc_hls_reconnects_total", type: "counter", help: "Attempts to reconnect to the camera's source.", samples: (c) => [["", c.reconnects]] },
  {
    name: "ipc_hls_seconds_since_last_upload",
    type: "gauge",
    help: "Seconds since a segment was last stored (since the start before the first).",
    samples: (c, nowMs) => [["", Math.max(0, nowMs - (c.lastUploadMs ?? c.startedMs)) / 1000]],
  },
  { name: "ipc_hls_buffer_used_bytes", type: "gauge", help: "Bytes of the ring buffer in use.", samples: (c) => [["", c.bufferBytesUsed]] },
  { name: "ipc_hls_buffer_capacity_bytes", type: "gauge", help: "Size of the ring buffer in bytes.", samples: (c) => [["", c.bufferBytesCapacity]] },
  { name: "ipc_hls_up", type: "gauge", help: "1 when the camera's source delivers frames, else 0.", samples: (c) => [["", c.up ? 1 : 0]] },
];

/** The /metrics body: every family with its HELP and TYPE, then one sample per camera (and track). */
export function formatMetrics(cameras: readonly CameraMetrics[], nowMs: number): string {
  const lines: string[] = [];
  for (const family of FAMILIES) {
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const camera of cameras) {
      const cameraLabel = `camera="${escapeLabelValue(camera.name)}"`;
      for (const [extra, value] of family.samples(camera, nowMs)) {
        lines.push(`${family.name}{${extra ? `${cameraLabel},${extra}` : cameraLabel}} ${formatValue(value)}`);
      }
    }
  }
  return lines.join("\n") + "\n";
}

/** Label values: backslash, double quote and line feed are escaped (format 0.0.4). */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

/** HELP text: backslash and line feed are escaped. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

/** Go's float syntax as Prometheus reads it: NaN, +Inf, -Inf, otherwise the shortest decimal. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  if (isIP(host) === 4) return host.startsWith("127.");
  if (isIP(host) === 6) return host === "::1" || /^::ffff:127\./i.test(host);
  return false;
}
