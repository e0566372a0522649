// A small HTTP proxy between the SDK and MinIO that misbehaves on a script: error answers (500, 503 SlowDown),
// reset connections, stalls, a rewritten Date header, a corrupted request body. Requests it passes through
// reach MinIO unchanged (the Host header too, so MinIO still verifies the SDK's signatures).
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";

export type Fault =
  | "pass"
  /** Answer with an S3 XML error without contacting MinIO. */
  | { status: number; code: string }
  /** Read the request, then destroy the connection without an answer. */
  | "reset"
  /** Forward the request to MinIO and let it store the object, then reset before the answer reaches the client. */
  | "reset-after-upstream"
  /** Never answer (the client's timeout must fire). */
  | "stall"
  /** Forward, but shift the Date header of the answer by this many ms. */
  | { skewDateMs: number }
  /** Forward with one byte of the body flipped (in-transit corruption). */
  | "corrupt-body"
  /** Forward after holding the request this long (a slow link: uploads take their time). */
  | { delayMs: number };

export interface ProxiedRequest {
  n: number;
  method: string;
  path: string;
  fault: Fault;
  /** Status the client received; undefined for reset or stalled requests. */
  status?: number;
}

export interface FaultProxy {
  /** The URL to use as the SDK's endpoint. */
  endpoint: string;
  /** Every request seen, in arrival order. */
  log: ProxiedRequest[];
  /** Sets the script and restarts the request count: called with the request number (0-based from this call)
   *  and the request, it returns the fault to apply. */
  setScript(script: (n: number, req: http.IncomingMessage) => Fault): void;
  close(): Promise<void>;
}

/** A script that applies `faults` to the first requests (one each) and passes everything after them. */
export function sequence(faults: Fault[]): (n: number) => Fault {
  return (n) => faults[n] ?? "pass";
}

/** Serve HTTPS with this key and certificate (PEM) instead of plain HTTP; MinIO behind stays plain. */
export interface FaultProxyOptions {
  tls?: { key: string; cert: string };
}

export async function startFaultProxy(upstream: string, options: FaultProxyOptions = {}): Promise<FaultProxy> {
  const target = new URL(upstream);
  const log: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  let script: (n: number, req: http.IncomingMessage) => Fault = () => "pass";
  let count = 0;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const n = count++;
    const fault = script(n, req);
    const entry: ProxiedRequest = { n, method: req.method ?? "", path: req.url ?? "", fault };
    log.push(entry);

    if (fault === "stall") return; // hold the connection open; close() destroys it
    if (fault === "reset") {
      req.on("data", () => {});
      req.on("end", () => req.socket.destroy());
      return;
    }
    if (typeof fault === "object" && "status" in fault) {
      req.on("data", () => {});
      req.on("end", () => {
        entry.status = fault.status;
        res.writeHead(fault.status, { "content-type": "application/xml", date: new Date().toUTCString() });
        res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${fault.code}</Code><Message>injected by the fault proxy</Message></Error>`);
      });
      return;
    }

    if (typeof fault === "object" && "delayMs" in fault) {
      // (The request stays paused meanwhile: its body is read when forwarded.)
      setTimeout(() => forward(req, res, fault, entry), fault.delayMs);
      return;
    }
    forward(req, res, fault, entry);
  };

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, fault: Fault, entry: ProxiedRequest) => {
    const upstreamReq = http.request({
      hostname: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers: req.headers,
    });
    upstreamReq.on("error", () => req.socket.destroy());
    upstreamReq.on("response", (up) => {
      const chunks: Buffer[] = [];
      up.on("data", (c: Buffer) => chunks.push(c));
      up.on("end", () => {
        if (fault === "reset-after-upstream") return req.socket.destroy();
        const headers = { ...up.headers };
        if (typeof fault === "object" && "skewDateMs" in fault && headers.date) {
          headers.date = new Date(Date.parse(headers.date) + fault.skewDateMs).toUTCString();
        }
        entry.status = up.statusCode;
        res.writeHead(up.statusCode ?? 502, headers);
        res.end(Buffer.concat(chunks as unknown as Uint8Array[]));
      });
    });
    let flipped = false;
    req.on("data", (chunk: Buffer) => {
      if (fault === "corrupt-body" && !flipped && chunk.length > 0) {
        const copy = Buffer.from(chunk as unknown as Uint8Array);
        copy[copy.length >> 1] ^= 0x01;
        flipped = true;
        upstreamReq.write(copy);
      } else {
        upstreamReq.write(chunk);
      }
    });
    req.on("end", () => upstreamReq.end());
  };
  const server = options.tls ? https.createServer(options.tls, handler) : http.createServer(handler);
  server.on(options.tls ? "secureConnection" : "connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `${options.tls ? "https" : "http"}://127.0.0.1:${port}`,
    log,
    setScript(s) {
      script = s;
      count = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
