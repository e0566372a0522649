// The /metrics and /healthz server of `ipc-hls record`: its output is read by a Prometheus text parser we did not
// write (parse-prometheus-text-format) and checked against the rules of exposition format 0.0.4 that parser lets
// pass; a camera name with quotes, backslashes and a line feed comes back intact; /healthz says 200 or 503 with
// the reasons; a non-loopback address is refused unless explicitly allowed.
import { describe, it, expect, afterEach } from "vitest";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { startMetricsServer, MetricsHostRefusedError, type CameraMetrics, type MetricsServer } from "../src/metrics.js";

const NOW = Date.UTC(2026, 10, 30, 12, 0, 0);

function camera(fields: Partial<CameraMetrics> = {}): CameraMetrics {
  return {
    name: "front-door",
    up: true,
    videoFramesIn: 1500,
    audioFramesIn: 2812,
    sourceFramesLost: 4,
    segmentsUploaded: 29,
    segmentsDropped: 1,
    segmentsSpilled: 3,
    reconnects: 2,
    startedMs: NOW - 60_000,
    lastUploadMs: NOW - 1_500,
    bufferBytesUsed: 1_250_000,
    bufferBytesCapacity: 4_194_304,
    ...fields,
  };
}

const servers: MetricsServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(cameras: () => CameraMetrics[], options: { staleAfterSeconds?: number; host?: string; allowRemote?: boolean } = {}) {
  const server = await startMetricsServer({ port: 0, cameras, now: () => NOW, ...options });
  servers.push(server);
  return `http://${options.host ?? "127.0.0.1"}:${server.port}`;
}

/** The rules of format 0.0.4 that the parser does not enforce. */
function checkFormatRules(text: string): void {
  expect(text.endsWith("\n")).toBe(true);
  const seen = new Set<string>();
  let current: string | undefined;
  let typed = false;
  for (const line of text.slice(0, -1).split("\n")) {
    const meta = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/.exec(line);
    if (meta) {
      if (meta[2] !== current) {
        expect(seen.has(meta[2]!), `${meta[2]} appears twice`).toBe(false);
        seen.add(meta[2]!);
        current = meta[2];
        typed = false;
      }
      if (meta[1] === "TYPE") {
        expect(["counter", "gauge"]).toContain(meta[3]);
        if (meta[3] === "counter") expect(meta[2]).toMatch(/_total$/);
        typed = true;
      }
      continue;
    }
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)\{([a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\[\\"n])*")*)\} (\S+)$/.exec(line);
    expect(sample, `not a sample line: ${line}`).not.toBeNull();
    expect(sample![1], "samples of a family are together, after its HELP and TYPE").toBe(current);
    expect(typed).toBe(true);
    expect(Number.isNaN(Number(sample![3])) && sample![3] !== "NaN").toBe(false);
  }
}

describe("metrics server: /metrics", () => {
  it("serves every family with HELP and TYPE, one series per camera, readable by a Prometheus parser", async () => {
    const base = await serve(() => [camera(), camera({ name: "yard", up: false, lastUploadMs: undefined, videoFramesIn: 0, audioFramesIn: 0, segmentsUploaded: 0, segmentsDropped: 0, segmentsSpilled: 0, reconnects: 7, bufferBytesUsed: 0 })]);
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await res.text();
    checkFormatRules(text);

    const families = parsePrometheusTextFormat(text);
    const byName = Object.fromEntries(families.map((f) => [f.name, f]));
    expect(Object.keys(byName).sort()).toEqual(
      [
        "ipc_hls_buffer_capacity_bytes",
        "ipc_hls_buffer_used_bytes",
        "ipc_hls_frames_in_total",
        "ipc_hls_reconnects_total",
        "ipc_hls_seconds_since_last_upload",
        "ipc_hls_source_frames_lost_total",
        "ipc_hls_segments_dropped_total",
        "ipc_hls_segments_spilled_total",
        "ipc_hls_segments_uploaded_total",
        "ipc_hls_up",
      ].sort(),
    );
    for (const family of families) {
      expect(family.help).not.toBe("");
      expect(family.type).toBe(family.name.endsWith("_total") ? "COUNTER" : "GAUGE");
    }
    const value = (name: string, labels: Record<string, string>) => byName[name]!.metrics.find((m) => JSON.stringify(m.labels) === JSON.stringify(labels))?.value;
    expect(value("ipc_hls_frames_in_total", { camera: "front-door", track: "video" })).toBe("1500");
    expect(value("ipc_hls_frames_in_total", { camera: "front-door", track: "audio" })).toBe("2812");
    expect(value("ipc_hls_segments_uploaded_total", { camera: "front-door" })).toBe("29");
    expect(value("ipc_hls_segments_dropped_total", { camera: "front-door" })).toBe("1");
    expect(value("ipc_hls_segments_spilled_total", { camera: "front-door" })).toBe("3");
    expect(value("ipc_hls_reconnects_total", { camera: "yard" })).toBe("7");
    expect(value("ipc_hls_source_frames_lost_total", { camera: "front-door" })).toBe("4");
    expect(value("ipc_hls_seconds_since_last_upload", { camera: "front-door" })).toBe("1.5");
    expect(value("ipc_hls_seconds_since_last_upload", { camera: "yard" })).toBe("60"); // since start: no upload yet
    expect(value("ipc_hls_buffer_used_bytes", { camera: "front-door" })).toBe("1250000");
    expect(value("ipc_hls_buffer_capacity_bytes", { camera: "yard" })).toBe("4194304");
    expect(value("ipc_hls_up", { camera: "front-door" })).toBe("1");
    expect(value("ipc_hls_up", { camera: "yard" })).toBe("0");
  });

  it("escapes label values: a name with quotes, backslashes and a line feed comes back intact", async () => {
    const name = 'gate "north" \\ C:\\cams\\\nsecond line';
    const base = await serve(() => [camera({ name })]);
    const text = await (await fetch(`${base}/metrics`)).text();
    checkFormatRules(text);
    expect(text).toContain('camera="gate \\"north\\" \\\\ C:\\\\cams\\\\\\nsecond line"');
    for (const family of parsePrometheusTextFormat(text)) {
      expect(family.metrics.map((m) => m.labels?.camera)).toEqual(family.metrics.map(() => name));
    }
  });

  it("serves the families without samples when there is no camera; 404 elsewhere; 405 for other methods", async () => {
    const base = await serve(() => []);
    const text = await (await fetch(`${base}/metrics`)).text();
    checkFormatRules(text);
    expect(parsePrometheusTextFormat(text).every((f) => f.metrics.length === 0)).toBe(true);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { method: "POST" })).status).toBe(405);
  });

  it("answers 500, and keeps serving, when reading the cameras fails", async () => {
    let fail = true;
    const base = await serve(() => {
      if (fail) throw new Error("recorder gone");
      return [camera()];
    });
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe("metrics unavailable: recorder gone\n");
    fail = false;
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});

describe("metrics server: /healthz", () => {
  it("200 ok when every camera is up and stored a segment recently", async () => {
    const base = await serve(() => [camera(), camera({ name: "new", lastUploadMs: undefined, startedMs: NOW - 5_000 })], { staleAfterSeconds: 30 });
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok\n");
  });

  it("503 with one reason per problem: a camera down, a stale upload, nothing stored since start", async () => {
    const base = await serve(
      () => [
        camera(),
        camera({ name: "yard", up: false }),
        camera({ name: "gate", lastUploadMs: NOW - 45_000 }),
        camera({ name: "new", lastUploadMs: undefined, startedMs: NOW - 31_000 }),
      ],
      { staleAfterSeconds: 30 },
    );
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe(['camera "yard": down', 'camera "gate": no segment stored for 45 s', 'camera "new": no segment stored for 31 s since start', ""].join("\n"));
  });

  it("503 without cameras", async () => {
    const base = await serve(() => []);
    const res = await fetch(`${base}/healthz`);
    expect(res.status).toBe(503);
    expect(await res.text()).toBe("no cameras\n");
  });
});

describe("metrics server: listening address", () => {
  it.each(["0.0.0.0", "::", "192.168.1.10", "camera.local"])("refuses %s without allowRemote", async (host) => {
    await expect(startMetricsServer({ port: 0, host, cameras: () => [] })).rejects.toThrow(MetricsHostRefusedError);
  });

  it("listens on another loopback address", async () => {
    expect((await fetch(`${await serve(() => [camera()], { host: "127.0.0.2" })}/healthz`)).status).toBe(200);
  });

  it("with allowRemote, tries a non-loopback address (a documentation address no interface has: the bind fails)", async () => {
    await expect(startMetricsServer({ port: 0, host: "192.0.2.1", allowRemote: true, cameras: () => [] })).rejects.toThrow(/EADDRNOTAVAIL/);
  });

  it("rejects when the port is taken", async () => {
    const first = await startMetricsServer({ port: 0, cameras: () => [] });
    servers.push(first);
    await expect(startMetricsServer({ port: first.port, cameras: () => [] })).rejects.toThrow(/EADDRINUSE/);
  });
});
