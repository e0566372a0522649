// The request layer against servers that are not S3 or misbehave below HTTP: one that trickles a byte now and
// then (the idle timeout never fires; the overall deadline must), one that answers with a huge body (read no
// more than an error document needs, then drop the connection), and a captive portal that answers 200 with a
// page of its own (not an upload). A raw TCP server on loopback writes exactly the bytes each case needs.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import net from "node:net";
import { S3Connection } from "../src/s3/request.js";
import { putObject } from "../src/s3/put-object.js";
import { headObject } from "../src/s3/head-object.js";
import { listObjectsPage } from "../src/s3/list.js";
import { S3ResponseError, S3ResponseTooLargeError, S3TimeoutError, S3UnexpectedAnswerError } from "../src/s3/errors.js";

type Mode = "trickle-headers" | "trickle-body" | "huge-error" | "huge-listing" | "portal" | "no-etag" | "big-portal" | "early-denial";

const HUGE = 300 * 1024 * 1024;
let server: net.Server;
let port = 0;
let mode: Mode = "portal";
/** What the server did on its last connection: bytes it managed to write, whether the client closed first. */
let last = { written: 0, closedByClient: false };
let lastSocket: net.Socket | undefined;

beforeAll(async () => {
  server = net.createServer((socket) => {
    const seen = { written: 0, closedByClient: false };
    last = seen;
    lastSocket = socket;
    let timer: NodeJS.Timeout | undefined;
    let answered = false;
    socket.on("error", () => {});
    socket.on("close", () => {
      clearInterval(timer);
      if (seen.written < HUGE) seen.closedByClient = true;
    });
    const write = (text: string | Buffer) => {
      seen.written += text.length;
      return socket.write(text);
    };
    // Answer once the request's head is in (the body, if any, is read and ignored).
    socket.on("data", () => {
      if (answered) return;
      answered = true;
      const answer = mode;
      if (answer === "trickle-headers") {
        write("HTTP/1.1 200 OK\r\nx-slow: ");
        timer = setInterval(() => write("a"), 100);
      } else if (answer === "trickle-body") {
        write("HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\ncontent-length: 100000\r\n\r\n<");
        timer = setInterval(() => write("a"), 100);
      } else if (answer === "early-denial") {
        // Refuses the upload as soon as its head is in, and reads no more of its body (until the test resumes it).
        const error = "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>";
        write(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/xml\r\ncontent-length: ${error.length}\r\n\r\n${error}`);
        socket.pause();
      } else if (answer === "huge-error" || answer === "huge-listing") {
        const head =
          answer === "huge-error"
            ? "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/xml\r\n"
            : "HTTP/1.1 200 OK\r\ncontent-type: application/xml\r\n";
        write(`${head}content-length: ${HUGE}\r\n\r\n`);
        write("<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>");
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        const pump = () => {
          while (!socket.destroyed && seen.written + chunk.length <= HUGE) if (!write(chunk)) return;
        };
        socket.on("drain", pump);
        pump();
      } else {
        const login = "<html><body>Please log in to the hotel Wi-Fi</body></html>";
        const page = answer === "big-portal" ? login + " ".repeat(200_000) : login;
        const type = answer === "portal" ? "text/html" : "application/xml";
        write(`HTTP/1.1 200 OK\r\ncontent-type: ${type}\r\ncontent-length: ${page.length}\r\n\r\n${page}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});

function connect() {
  return new S3Connection({
    location: { region: "us-east-1", bucket: "b-hostile", endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "not-a-real-secret" }),
    timeoutMs: 1000, // idle: never fires while a byte arrives every 100 ms
    deadlineMs: 1500,
    maxSockets: 1,
  });
}

const body = [new Uint8Array(1024).fill(7)];

describe("a server that trickles", () => {
  it.each(["trickle-headers", "trickle-body"] as const)("%s: PUT, HEAD and a listing each fail by their deadline", async (m) => {
    mode = m;
    const conn = connect();
    const requests = [() => putObject(conn, "cam/a.ts", body), () => listObjectsPage(conn, "cam/")];
    // (A HEAD answer has no body to trickle.)
    if (m === "trickle-headers") requests.push(() => headObject(conn, "cam/a.ts"));
    for (const request of requests) {
      const err = await request().catch((e) => e);
      expect(err).toBeInstanceOf(S3TimeoutError);
      expect(err.message).toContain("did not finish the request in");
      expect(err.kind).toBe("transient");
    }
    conn.close();
  }, 20_000);
});

describe("a server that answers with a huge body", () => {
  it("an error answer is read only as far as an error document needs; the connection is dropped", async () => {
    mode = "huge-error";
    const conn = connect();
    const err = await putObject(conn, "cam/a.ts", body).catch((e) => e);
    expect(err).toBeInstanceOf(S3ResponseError);
    expect(err.status).toBe(500);
    expect(err.code).toBe("InternalError");
    expect(err.kind).toBe("transient");
    await waitFor(() => last.closedByClient);
    // What the kernel's socket buffers took before the close is all the server could send of its 300 MiB.
    expect(last.written).toBeLessThan(32 * 1024 * 1024);
    conn.close();
  });

  it("a listing page over its cap is refused without reading the rest", async () => {
    mode = "huge-listing";
    const conn = connect();
    const err = await listObjectsPage(conn, "cam/").catch((e) => e);
    expect(err).toBeInstanceOf(S3ResponseTooLargeError);
    await waitFor(() => last.closedByClient);
    expect(last.written).toBeLessThan(32 * 1024 * 1024);
    conn.close();
  });
});

describe("a server that answers before it has the body", () => {
  it("the upload fails with the answer's error and its connection is dropped (a half-sent request is not kept)", async () => {
    mode = "early-denial";
    const conn = connect();
    const big = [new Uint8Array(64 * 1024 * 1024)]; // more than the kernel's buffers take
    const err = await putObject(conn, "cam/a.ts", big).catch((e) => e);
    expect(err).toBeInstanceOf(S3ResponseError);
    expect(err.status).toBe(403);
    expect(err.code).toBe("AccessDenied");
    lastSocket!.resume(); // (a paused socket does not see its peer close)
    await waitFor(() => last.closedByClient, 5000);
    expect(last.closedByClient).toBe(true);
    conn.close();
  });
});

describe("a 2xx that is not S3's", () => {
  it.each(["portal", "no-etag", "big-portal"] as const)("%s: a 200 without an ETag is a retryable error, not an upload", async (m) => {
    mode = m;
    const conn = connect();
    const err = await putObject(conn, "cam/a.ts", body).catch((e) => e);
    expect(err).toBeInstanceOf(S3UnexpectedAnswerError);
    expect(err.kind).toBe("transient");
    expect(err.status).toBe(200);
    expect(err.message).toMatch(m === "big-portal" ? /body over 65536 bytes: not an S3 answer/ : /without an ETag/);
    conn.close();
  });
});

/** Waits until `condition` holds, or for at most `withinMs`. */
async function waitFor(condition: () => boolean, withinMs = Infinity): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!condition() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
}
