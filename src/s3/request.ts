// One signed S3 request over node:http / node:https: everything the SDK says to S3 goes through here
// (PutObject, ListObjectsV2, ...). TLS is always verified; an extra CA may be given for private stores.
import type { LookupFunction } from "node:net";
import http from "node:http";
import https from "node:https";
import { rootCertificates, TLSSocket } from "node:tls";
import type { SignatureV4 } from "@smithy/signature-v4";
import { resolveEndpoint, encodeKeyPath, type S3Location, type ResolvedEndpoint } from "./endpoint.js";
import { createS3Signer, type Credentials } from "./signer.js";
import { SkewedClock } from "./clock.js";
import { responseError, S3AbortError, S3NetworkError, S3ResponseTooLargeError, S3TimeoutError, S3TlsError } from "./errors.js";

/** The payload hash for a body that is not hashed into the signature (its integrity comes from a checksum header). */
export const UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
/** SHA-256 of the empty string: the payload hash of requests without a body. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/** The most of an answer's body read by default: an S3 error document or a PUT's answer is far smaller. */
export const DEFAULT_MAX_BODY_BYTES = 64 * 1024;
/** Default request deadline: this floor, plus the time to send the body at DEADLINE_MIN_BYTES_PER_S. */
export const DEFAULT_DEADLINE_MS = 30_000;
/** The slowest uplink the default deadline allows for (32 KiB/s = 256 kbit/s). */
export const DEADLINE_MIN_BYTES_PER_S = 32 * 1024;
/**
 * Over TLS a body is handed to the connection this much at a time, the next piece when it has taken the last: Node's
 * TLS encrypts all of one write at once and holds the ciphertext until the socket sends it, in memory that stays
 * with the connection (a 1.3 MB segment written whole kept 1.3 MB per keep-alive connection: README "Boards").
 * Smaller pieces saved no more memory and cost more CPU on a board. Plain TCP takes each view whole, without a copy.
 */
export const TLS_BODY_WRITE_BYTES = 64 * 1024;

export interface S3ConnectionOptions {
  location: S3Location;
  /** Returns the credentials to sign the next request with (called once per attempt). */
  credentials: () => Promise<Credentials>;
  /** Extra trusted CA certificate(s), PEM. The system CAs stay trusted too. */
  ca?: string | Buffer;
  /** Give up when the connection stays silent this long (ms). Default 20 000. */
  timeoutMs?: number;
  /**
   * Give up on a request that has not finished (answer and body read) this long after it was sent, however
   * steadily bytes trickle (ms). Default 30 000, plus 1 s per 32 KiB of request body.
   */
  deadlineMs?: number;
  /** The local clock (ms since epoch); tests inject a wrong one. Default Date.now. */
  now?: () => number;
  /** Sockets kept open between requests. Default 4. */
  maxSockets?: number;
  /** Resolves host names instead of the system's DNS (a camera network's own resolver, or a test). */
  lookup?: LookupFunction;
}

export interface S3Request {
  method: "GET" | "PUT" | "HEAD" | "DELETE" | "POST";
  /** Object key (unencoded). Omit for bucket-level requests such as ListObjectsV2. */
  key?: string;
  query?: Record<string, string>;
  /** Extra headers, signed (lower-case names). */
  headers?: Record<string, string>;
  /** The body as one or more views, written one after the other without being concatenated. */
  body?: readonly Uint8Array[];
  /** Value of x-amz-content-sha256: the body's hex SHA-256 or UNSIGNED-PAYLOAD. Default: the empty body's hash. */
  payloadHash?: string;
  signal?: AbortSignal;
  /** The largest 2xx body accepted (bytes); a longer one is an S3ResponseTooLargeError. Default 64 KiB. */
  maxBodyBytes?: number;
}

export interface S3Response {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export class S3Connection {
  readonly location: S3Location;
  readonly endpoint: ResolvedEndpoint;
  /** The corrected clock used for signing; learns the store's time from Date headers. */
  readonly clock: SkewedClock;
  private readonly credentials: () => Promise<Credentials>;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly deadlineMs: number;
  private signer?: { credentials: Credentials; signer: SignatureV4 };

  private readonly lookup?: LookupFunction;

  constructor(opts: S3ConnectionOptions) {
    this.lookup = opts.lookup;
    this.location = opts.location;
    this.endpoint = resolveEndpoint(opts.location);
    this.credentials = opts.credentials;
    this.clock = new SkewedClock(opts.now);
    this.timeoutMs = opts.timeoutMs ?? 20_000;
    this.deadlineMs = opts.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const agentOptions = { keepAlive: true, maxSockets: opts.maxSockets ?? 4 };
    this.agent =
      this.endpoint.protocol === "https:"
        ? new https.Agent({ ...agentOptions, ...(opts.ca ? { ca: [...tlsRootCertificates(), opts.ca.toString()] } : {}) })
        : new http.Agent(agentOptions);
  }

  /** "host[:port]" as sent in the Host header. */
  get host(): string {
    return this.endpoint.port ? `${this.endpoint.hostname}:${this.endpoint.port}` : this.endpoint.hostname;
  }

  /** The request path for a key (or the bucket itself), already percent-encoded. */
  path(key?: string): string {
    return this.endpoint.basePath + (key ? encodeKeyPath(key) : "");
  }

  /** A SigV4 signer for the given credentials (reused while the credentials object stays the same). */
  signerFor(credentials: Credentials): SignatureV4 {
    if (this.signer?.credentials !== credentials) {
      this.signer = { credentials, signer: createS3Signer(this.location.region, credentials) };
    }
    return this.signer.signer;
  }

  /** The current credentials, as the next request would be signed with. */
  currentCredentials(): Promise<Credentials> {
    return this.credentials();
  }

  /** Signs and sends one request; resolves for 2xx, throws a typed error otherwise (see errors.ts). */
  async send(req: S3Request): Promise<S3Response> {
    const res = await this.sendRaw(req);
    if (res.status >= 200 && res.status < 300) return res;
    const requestId = headerValue(res.headers["x-amz-request-id"]);
    const what = `${req.method} ${req.key !== undefined ? req.key : this.location.bucket}`;
    const err = responseError(res.status, res.body.toString("utf8"), what, requestId);
    // After a skew error the store's time is the one that counts, however small the difference looked.
    if (err.kind === "clock-skew") this.clock.observe(headerValue(res.headers.date), true);
    throw err;
  }

  /** Signs and sends one request and returns whatever status came back. */
  async sendRaw(req: S3Request): Promise<S3Response> {
    if (req.signal?.aborted) throw new S3AbortError("request aborted");
    const credentials = await this.credentials();
    const contentLength = (req.body ?? []).reduce((n, part) => n + part.byteLength, 0);
    const headers: Record<string, string> = {
      ...req.headers,
      host: this.host,
      "x-amz-content-sha256": req.payloadHash ?? EMPTY_SHA256,
    };
    if (req.body || req.method === "PUT" || req.method === "POST") headers["content-length"] = String(contentLength);
    const signed = await this.signerFor(credentials).sign(
      {
        method: req.method,
        protocol: this.endpoint.protocol,
        hostname: this.endpoint.hostname,
        port: this.endpoint.port,
        path: this.path(req.key),
        query: req.query ?? {},
        headers,
      },
      { signingDate: new Date(this.clock.now()) },
    );
    const deadlineMs = this.deadlineMs + Math.ceil((contentLength / DEADLINE_MIN_BYTES_PER_S) * 1000);
    const res = await this.transmit(req, signed.headers as Record<string, string>, deadlineMs);
    this.clock.observe(headerValue(res.headers.date));
    return res;
  }

  private transmit(req: S3Request, headers: Record<string, string>, deadlineMs: number): Promise<S3Response> {
    const query = new URLSearchParams(req.query ?? {}).toString().replace(/\+/g, "%20");
    const path = this.path(req.key) + (query ? `?${query}` : "");
    const transport = this.endpoint.protocol === "https:" ? https : http;
    const what = `${req.method} ${req.key ?? ""}`;
    return new Promise<S3Response>((resolve, reject) => {
      // Aborted while we were signing (e.g. the core dropped the segment): its memory may hold other data now.
      if (req.signal?.aborted) return reject(new S3AbortError("request aborted"));
      let settled = false;
      // Bytes went out on a connection: the store may have the whole body even if no answer comes (uploader.ts).
      // (Knowing that it did not get all of it would take more than Node tells: its 'finish' comes after the
      // kernel already took the last bytes, so an abort in between would wrongly count the upload lost.)
      let sent = false;
      let deadline: NodeJS.Timeout | undefined;
      const settle = () => {
        settled = true;
        clearTimeout(deadline);
        req.signal?.removeEventListener("abort", onAbort);
      };
      const fail = (err: S3NetworkError | S3AbortError | S3ResponseTooLargeError) => {
        if (settled) return;
        settle();
        if (!(err instanceof S3ResponseTooLargeError)) err.sent = sent;
        reject(err);
      };
      const request = transport.request({
        agent: this.agent,
        protocol: this.endpoint.protocol,
        hostname: this.endpoint.hostname.replace(/^\[(.*)\]$/, "$1"), // an IPv6 address connects without its URL brackets
        port: this.endpoint.port,
        method: req.method,
        path,
        headers,
        ...(this.lookup ? { lookup: this.lookup } : {}),
      });
      // Aborting resets the connection synchronously: no byte of the body is written after this returns, and
      // what the kernel still held is discarded (a plain close would send it, and might complete the upload;
      // under TLS it may, and the uploader's HEAD tells).
      const onAbort = () => {
        fail(new S3AbortError("request aborted"));
        resetConnection(request);
      };
      req.signal?.addEventListener("abort", onAbort, { once: true });
      request.setTimeout(this.timeoutMs, () => {
        fail(new S3TimeoutError(`${what}: no answer from ${this.host} in ${this.timeoutMs} ms`, "ETIMEDOUT"));
        request.destroy();
      });
      // The idle timeout above never fires for a peer that trickles a byte now and then; this does.
      deadline = setTimeout(() => {
        fail(new S3TimeoutError(`${what}: ${this.host} did not finish the request in ${deadlineMs} ms`, "ETIMEDOUT"));
        request.destroy();
      }, deadlineMs);
      request.on("error", (err: NodeJS.ErrnoException) => fail(networkError(err, this.host)));
      request.on("response", (res) => {
        const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
        const limit = ok ? (req.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES) : DEFAULT_MAX_BODY_BYTES;
        const chunks: Buffer[] = [];
        let length = 0;
        const finish = () => {
          if (settled) return;
          settle();
          // Answered before the body was all sent (an early denial): a half-sent request's connection is not reused.
          if (!request.writableEnded) request.destroy();
          // (@types/node 20.9 and TS 5.9 disagree on Buffer vs Uint8Array generics; the cast is only for types.)
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks as unknown as Uint8Array[]) });
        };
        res.on("data", (chunk: Buffer) => {
          if (settled) return;
          const room = limit - length;
          if (chunk.length <= room) {
            chunks.push(chunk);
            length += chunk.length;
            return;
          }
          // Longer than any answer we need: keep what an error document needs, drop the connection (its rest is
          // never read, so a huge body costs no memory).
          if (ok) fail(new S3ResponseTooLargeError(res.statusCode ?? 0, `${what}: ${this.host} answered HTTP ${res.statusCode} with a body over ${limit} bytes`));
          else {
            chunks.push(chunk.subarray(0, room));
            finish();
          }
          request.destroy();
        });
        res.on("error", (err: NodeJS.ErrnoException) => fail(networkError(err, this.host)));
        res.on("aborted", () => fail(new S3NetworkError(`connection to ${this.host} closed mid-answer`, "ECONNRESET")));
        res.on("end", finish);
      });
      request.on("socket", (socket) => {
        if (!socket.connecting) sent = true;
        else socket.once("connect", () => (sent = true));
      });
      writeBody(request, req.body ?? [], transport === https ? TLS_BODY_WRITE_BYTES : Infinity, () => settled);
    });
  }

  /** Closes idle keep-alive sockets (call when done). */
  close(): void {
    this.agent.destroy();
  }
}

/**
 * Writes `body` in pieces of at most `pieceBytes`, each when the connection has taken the one before ('drain'),
 * then ends the request. Once `settled()` (aborted, timed out, or answered before the body was all sent) it writes
 * no more and drops the connection: the views may already show other data, and a half-sent request cannot be reused.
 */
function writeBody(request: http.ClientRequest, body: readonly Uint8Array[], pieceBytes: number, settled: () => boolean): void {
  let part = 0;
  let at = 0;
  const writeSome = () => {
    for (; part < body.length; part++, at = 0) {
      for (const view = body[part]!; at < view.byteLength; ) {
        if (settled()) return void request.destroy();
        const piece = view.subarray(at, at + pieceBytes);
        at += piece.byteLength;
        if (!request.write(piece)) return void request.once("drain", writeSome);
      }
    }
    if (settled()) request.destroy();
    else request.end();
  };
  writeSome();
}

/** Drops a request's connection at once: with an RST where Node can send one (plain TCP; not under TLS). */
function resetConnection(request: http.ClientRequest): void {
  const socket = request.socket;
  if (socket && !(socket instanceof TLSSocket) && !socket.destroyed) socket.resetAndDestroy();
  request.destroy();
}

function networkError(err: NodeJS.ErrnoException, host: string): S3NetworkError {
  const code = err.code ?? "EUNKNOWN";
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|HOSTNAME/.test(code)) {
    return new S3TlsError(`TLS verification of ${host} failed (${code})`, code, { cause: err });
  }
  return new S3NetworkError(`network error talking to ${host}: ${code}`, code, { cause: err });
}

export function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The CAs Node trusts by default, so that an extra CA adds to them instead of replacing them. */
function tlsRootCertificates(): string[] {
  return [...rootCertificates];
}
