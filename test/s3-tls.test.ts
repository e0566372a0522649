// TLS is always verified: an endpoint with a certificate from an unknown CA, or for another host name, is refused
// with a typed, non-retryable error; giving the CA (`ca`) makes it work. The HTTPS endpoint is the fault proxy in
// TLS mode in front of MinIO, with a CA and certificates made by openssl for this test.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import http from "node:http";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { S3Connection, TLS_BODY_WRITE_BYTES } from "../src/s3/request.js";
import { putObject } from "../src/s3/put-object.js";
import { S3AbortError, S3TlsError } from "../src/s3/errors.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";
import { tempDir } from "./support/media-tools.js";
import { testCertificates } from "./support/test-certs.js";

const tmp = tempDir("s3-tls-");
let ca = "";
let good: FaultProxy; // certificate for 127.0.0.1, signed by the test CA
let wrongName: FaultProxy; // certificate for another name, signed by the same CA

beforeAll(async () => {
  const certs = testCertificates(tmp.path);
  ca = certs.ca("test-ca");
  good = await startFaultProxy(minio().endpoint, { tls: certs.issue("loopback", "test-ca", "IP:127.0.0.1") });
  wrongName = await startFaultProxy(minio().endpoint, { tls: certs.issue("elsewhere", "test-ca", "DNS:s3.example.invalid") });
});
afterAll(async () => {
  await good?.close();
  await wrongName?.close();
  tmp.cleanup();
});

function connect(endpoint: string, bucket: string, extraCa?: string) {
  const m = minio();
  return new S3Connection({
    location: { region: m.region, bucket, endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: m.secretAccessKey }),
    ca: extraCa,
  });
}

describe("TLS", () => {
  it("refuses a certificate from an unknown CA with a non-retryable S3TlsError", async () => {
    const conn = connect(good.endpoint, await freshBucket("tls"));
    const err = await putObject(conn, "a.ts", [new Uint8Array(188)]).catch((e) => e);
    expect(err).toBeInstanceOf(S3TlsError);
    expect(err.kind).toBe("fatal");
    conn.close();
  });

  it("trusts the endpoint once its CA is given, and the object arrives", async () => {
    const bucket = await freshBucket("tls");
    const conn = connect(good.endpoint, bucket, ca);
    const body = new Uint8Array(188 * 10).fill(0x47);
    await putObject(conn, "b.ts", [body.subarray(0, 500), body.subarray(500)]);
    const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: "b.ts" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);
    conn.close();
  });

  it("hands a segment-sized body to TLS 64 KiB at a time (a whole write kept its ciphertext per connection), and it arrives whole", async () => {
    const bucket = await freshBucket("tls");
    const conn = connect(good.endpoint, bucket, ca);
    const body = new Uint8Array(1_300_000).map((_, i) => (i * 31) & 0xff);
    const write = vi.spyOn(http.ClientRequest.prototype, "write"); // (calls through)
    let writes: number[] = [];
    try {
      await putObject(conn, "e.ts", [body.subarray(0, 700_001), body.subarray(700_001)]);
      // (The proxy's own plain-HTTP requests to MinIO are written here too: only ours go over TLS.)
      writes = write.mock.calls.filter((_, i) => (write.mock.contexts[i] as http.ClientRequest).protocol === "https:").map(([piece]) => (piece as Uint8Array).byteLength);
    } finally {
      write.mockRestore();
    }
    expect(Math.max(...writes)).toBeLessThanOrEqual(TLS_BODY_WRITE_BYTES);
    expect(writes.reduce((a, b) => a + b, 0)).toBe(body.byteLength);
    const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: "e.ts" }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(body))).toBe(true);
    conn.close();
  });

  it("refuses a certificate for another host name even from the trusted CA", async () => {
    const conn = connect(wrongName.endpoint, await freshBucket("tls"), ca);
    const err = await putObject(conn, "c.ts", [new Uint8Array(188)]).catch((e) => e);
    expect(err).toBeInstanceOf(S3TlsError);
    expect(err.code).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
    conn.close();
  });

  it("an upload aborted mid-request over TLS settles as aborted (the connection is dropped, nothing thrown)", async () => {
    const bucket = await freshBucket("tls");
    const conn = connect(good.endpoint, bucket, ca);
    good.setScript(() => "stall");
    const logStart = good.log.length;
    const abort = new AbortController();
    const put = putObject(conn, "d.ts", [new Uint8Array(188 * 1000)], { signal: abort.signal }).catch((e) => e);
    while (good.log.length === logStart) await new Promise((r) => setTimeout(r, 5));
    abort.abort();
    const err = await put;
    expect(err).toBeInstanceOf(S3AbortError);
    expect(err.sent).toBe(true);
    good.setScript(() => "pass");
    conn.close();
  });
});
