// One RTSP connection (TCP or TLS): requests and their responses, one at a time, each with a deadline, and the
// interleaved RTP/RTCP frames ("$", channel, 16-bit length) that share the connection with them (RFC 2326 10.12).
// Interleaved frames are handed over as views into the received chunk; only a frame split across two chunks is
// copied (into one preallocated 64 KiB buffer), and bytes of a message that did not end in a chunk are copied.
import { connect as netConnect, isIP, type Socket } from "node:net";
import { connect as tlsConnect, TLSSocket } from "node:tls";
import { RtspConnectionLostError, RtspError, RtspProtocolError, RtspTimeoutError } from "./errors.js";
import type { RtspUrl } from "./url.js";

export interface RtspResponse {
  status: number;
  reason: string;
  /** Header values by lower-case name (several when the header repeats). */
  headers: Map<string, string[]>;
  body: string;
}

export const header = (response: RtspResponse, name: string): string | undefined => response.headers.get(name)?.[0];

export interface ConnectionOptions {
  timeoutMs: number;
  ca?: string | Buffer;
  signal?: AbortSignal;
  /** How the server is named in errors (a masked URL). */
  label: string;
}

const MAX_HEADER_BYTES = 64 * 1024;
const MAX_BODY_BYTES = 1024 * 1024;
const INTERLEAVED_MAX = 4 + 0xffff;
const DOLLAR = 0x24;
/**
 * The reused read buffer of a plain TCP connection. Large enough to take a whole batch (below) in one read: Linux
 * grows a socket's receive buffer by what one read took while nothing was left queued, so with 64 KiB reads it
 * stayed at its initial ≈ 96 KiB window and a 20 Mbps stream read every 100 ms was held to ≈ 8–10 Mbps (the
 * server held back by TCP); with 256 KiB reads it grew to 2–4 MB and the stream came whole. Pages are touched
 * only as far as reads fill them.
 */
export const READ_BYTES = 256 * 1024;
/**
 * While media flows over plain TCP the socket is read once per this interval (resumed, drained, paused) instead of
 * whenever data arrives: servers write each RTP packet on its own, so Node woke ≈ 120 times a second for one 5 Mbps
 * camera, and waking was half of the client's CPU (bench/record-rtsp.js --floors: a bare reader's 0.77 % of a core
 * → 0.23 % at 100 ms). The kernel holds the bytes meanwhile (its receive buffer grows to what one interval brings,
 * see READ_BYTES; while it is smaller, TCP holds the server back). 100 ms delays nothing a recording of 2 s
 * segments sees. Measurements: README "Recording cameras", and "Benchmarks" for 128 cameras.
 */
export const READ_BATCH_MS = 100;
const USER_AGENT = "ipc-hls";

/** Called with the response as soon as it is parsed, before any frame that follows it in the same chunk. */
export type ResponseHook = (response: RtspResponse) => void;

/** Where the socket's chunks go; each chunk is only valid during the call (plain TCP reuses one buffer). */
interface Reader {
  /** Returns false to pause the socket (plain TCP only). */
  deliver(chunk: Buffer): boolean;
}

interface Pending {
  hook?: ResponseHook;
  resolve(response: RtspResponse): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class RtspConnection {
  /** Called with each interleaved frame (the view is only valid during the call). */
  onInterleaved: (channel: number, data: Uint8Array) => void = () => {};
  /** Resolves once the connection is closed: undefined by close(), the error otherwise. */
  readonly closed: Promise<Error | undefined>;
  private resolveClosed!: (reason: Error | undefined) => void;
  private isClosed = false;
  private cseq = 0;
  private pending?: Pending;
  private queue: Promise<unknown> = Promise.resolve();
  /** An interleaved frame split across chunks, being completed. */
  private readonly frame = new Uint8Array(INTERLEAVED_MAX);
  private frameHave = 0;
  private frameNeed = 0;
  /** Bytes of a message (or of a frame's first 4 bytes) that did not end in the last chunk. */
  private carry?: Buffer;
  /** Resumes the paused socket every READ_BATCH_MS, once readInBatches() was called. */
  private batchTimer?: NodeJS.Timeout;

  private constructor(
    private readonly socket: Socket,
    private readonly options: ConnectionOptions,
    read: Reader,
  ) {
    this.closed = new Promise((resolve) => (this.resolveClosed = resolve));
    socket.setNoDelay(true);
    read.deliver = (chunk) => {
      try {
        this.receive(chunk);
      } catch (err) {
        this.fail(err instanceof RtspError ? err : new RtspProtocolError(`${options.label}: ${(err as Error).message}`));
      }
      // A read that did not fill the buffer took all the kernel held: the batch is done.
      return !(this.batchTimer && chunk.length < READ_BYTES);
    };
    socket.on("error", (err) => this.fail(new RtspConnectionLostError(`${options.label}: ${err.message}`)));
    socket.on("close", () => this.fail(new RtspConnectionLostError(`${options.label}: connection closed by the server`)));
  }

  static async open(url: RtspUrl, options: ConnectionOptions): Promise<RtspConnection> {
    const read: Reader = { deliver: () => true };
    let socket: Socket;
    if (url.tls) {
      socket = tlsConnect({ host: url.host, port: url.port, servername: isIP(url.host) ? undefined : url.host, ca: options.ca, rejectUnauthorized: true });
      socket.on("data", (chunk: Buffer) => read.deliver(chunk));
    } else {
      // Every read lands in one reused buffer: a camera's RTP packets mostly arrive one per read, and a new
      // Buffer plus a pass through the stream machinery per read was most of the client's CPU.
      const buffer = Buffer.allocUnsafe(READ_BYTES);
      socket = netConnect({ host: url.host, port: url.port, onread: { buffer, callback: (bytes: number) => read.deliver(buffer.subarray(0, bytes)) } });
    }
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => {
        clearTimeout(timer);
        socket.off("error", done);
        options.signal?.removeEventListener("abort", aborted);
        if (err) {
          socket.destroy();
          reject(err);
        } else resolve();
      };
      const aborted = () => done(abortError(options.signal!));
      const timer = setTimeout(() => done(new RtspTimeoutError(`${options.label}: no connection after ${options.timeoutMs} ms`)), options.timeoutMs);
      socket.once(url.tls ? "secureConnect" : "connect", () => done());
      socket.once("error", (err) => done(new RtspConnectionLostError(`${options.label}: ${err.message}`)));
      if (options.signal?.aborted) aborted();
      else options.signal?.addEventListener("abort", aborted, { once: true });
    });
    return new RtspConnection(socket, options, read);
  }

  /** The local address of the connection (UDP sockets for RTP are bound to it). */
  get localAddress(): string {
    return this.socket.localAddress ?? "127.0.0.1";
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? "";
  }

  /** Sends a request; the response comes back whatever its status. Requests go one at a time. */
  request(method: string, uri: string, headers: Record<string, string> = {}, hook?: ResponseHook): Promise<RtspResponse> {
    const run = () => this.send(method, uri, headers, hook);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }

  /**
   * From now on reads the socket once per READ_BATCH_MS (plain TCP; TLS is read as before). For the media of a
   * playing session: answers to requests and the server's own requests then wait up to that long too, and so
   * does noticing that the server closed the connection.
   */
  readInBatches(): void {
    if (this.isClosed || this.batchTimer || this.socket instanceof TLSSocket) return;
    this.batchTimer = setInterval(() => this.socket.resume(), READ_BATCH_MS);
    this.socket.pause();
  }

  /** Reads whatever arrives as it arrives again (undoes readInBatches). */
  readAtEveryArrival(): void {
    if (!this.batchTimer) return;
    clearInterval(this.batchTimer);
    this.batchTimer = undefined;
    if (!this.isClosed) this.socket.resume();
  }

  get readsInBatches(): boolean {
    return this.batchTimer !== undefined;
  }

  /** Ends the connection (without a TEARDOWN: the session does that first). */
  close(): void {
    this.finish(undefined);
  }

  /** Fails the connection: pending requests are rejected, `closed` resolves with the error. */
  fail(error: Error): void {
    this.finish(error);
  }

  private finish(reason: Error | undefined): void {
    if (this.isClosed) return;
    this.isClosed = true;
    clearInterval(this.batchTimer);
    const pending = this.pending;
    this.pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(reason ?? new RtspConnectionLostError(`${this.options.label}: connection closed`));
    }
    this.socket.destroy();
    this.resolveClosed(reason);
  }

  private send(method: string, uri: string, headers: Record<string, string>, hook?: ResponseHook): Promise<RtspResponse> {
    if (this.isClosed) return Promise.reject(new RtspConnectionLostError(`${this.options.label}: connection closed`));
    const cseq = ++this.cseq;
    let text = `${method} ${uri} RTSP/1.0\r\nCSeq: ${cseq}\r\nUser-Agent: ${USER_AGENT}\r\n`;
    for (const [name, value] of Object.entries(headers)) text += `${name}: ${value}\r\n`;
    text += "\r\n";
    return new Promise<RtspResponse>((resolve, reject) => {
      const timer = setTimeout(() => {
        // A request without an answer leaves the session in an unknown state: the connection is given up.
        this.fail(new RtspTimeoutError(`${this.options.label}: no answer to ${method} in ${this.options.timeoutMs} ms`));
      }, this.options.timeoutMs);
      this.pending = { hook, resolve, reject, timer };
      this.socket.write(text);
    });
  }

  // ---- Receiving ----

  private receive(chunk: Buffer): void {
    let at = 0;
    if (this.frameNeed > 0) {
      // Completing an interleaved frame that began in an earlier chunk.
      const take = Math.min(this.frameNeed - this.frameHave, chunk.length);
      this.frame.set(chunk.subarray(0, take), this.frameHave);
      this.frameHave += take;
      at = take;
      if (this.frameHave < this.frameNeed) return;
      this.frameNeed = 0;
      this.onInterleaved(this.frame[1], this.frame.subarray(4, this.frameHave));
    } else if (this.carry) {
      chunk = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    while (at < chunk.length && !this.isClosed) {
      if (chunk[at] === DOLLAR) {
        if (at + 4 > chunk.length) break;
        const end = at + 4 + ((chunk[at + 2] << 8) | chunk[at + 3]);
        if (end > chunk.length) {
          this.frame.set(chunk.subarray(at), 0);
          this.frameHave = chunk.length - at;
          this.frameNeed = end - at;
          return;
        }
        this.onInterleaved(chunk[at + 1], chunk.subarray(at + 4, end));
        at = end;
        continue;
      }
      const used = this.message(chunk, at);
      if (used === 0) break;
      at += used;
    }
    if (at < chunk.length) {
      if (chunk.length - at > MAX_HEADER_BYTES + MAX_BODY_BYTES) throw new RtspProtocolError(`${this.options.label}: message too large`);
      this.carry = Buffer.from(chunk.subarray(at));
    }
  }

  /** Parses one RTSP message at `at`; returns the bytes it took, 0 when it is not complete yet. */
  private message(chunk: Buffer, at: number): number {
    const headerEnd = chunk.indexOf("\r\n\r\n", at, "latin1");
    if (headerEnd < 0) {
      if (chunk.length - at > MAX_HEADER_BYTES) throw new RtspProtocolError(`${this.options.label}: header block too large`);
      return 0;
    }
    const lines = chunk.toString("latin1", at, headerEnd).split("\r\n");
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const values = headers.get(name);
      const value = line.slice(colon + 1).trim();
      if (values) values.push(value);
      else headers.set(name, [value]);
    }
    const length = Number(headers.get("content-length")?.[0] ?? 0);
    if (!(length >= 0 && length <= MAX_BODY_BYTES)) throw new RtspProtocolError(`${this.options.label}: bad Content-Length`);
    const bodyStart = headerEnd + 4;
    if (bodyStart + length > chunk.length) return 0;
    const body = chunk.toString("utf8", bodyStart, bodyStart + length);
    const first = lines[0];
    const status = /^RTSP\/\d\.\d (\d{3})\s?(.*)$/.exec(first);
    if (status) this.response({ status: Number(status[1]), reason: status[2], headers, body });
    else if (/^[A-Z_]+ \S+ RTSP\/\d\.\d$/.test(first)) this.serverRequest(first.split(" ")[0], headers);
    else throw new RtspProtocolError(`${this.options.label}: not an RTSP message: ${JSON.stringify(first.slice(0, 80))}`);
    return bodyStart + length - at;
  }

  private response(response: RtspResponse): void {
    const pending = this.pending;
    if (!pending) return; // a late answer to a request we gave up on
    this.pending = undefined;
    clearTimeout(pending.timer);
    pending.hook?.(response);
    pending.resolve(response);
  }

  /** Servers may ask too (keep-alive pings, announcements): answer the harmless ones, refuse the rest. */
  private serverRequest(method: string, headers: Map<string, string[]>): void {
    const ok = method === "OPTIONS" || method === "GET_PARAMETER";
    const cseq = headers.get("cseq")?.[0] ?? "0";
    this.socket.write(`RTSP/1.0 ${ok ? "200 OK" : "501 Not Implemented"}\r\nCSeq: ${cseq}\r\n\r\n`);
  }
}

export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new RtspError("aborted");
}
