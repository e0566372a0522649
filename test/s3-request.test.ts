// S3Connection against MinIO: signed requests, two-view bodies, odd keys, typed errors without secrets.
import { describe, it, expect } from "vitest";
import { createHash } from "node:crypto";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { S3Connection } from "../src/s3/request.js";
import { S3AuthError, S3ResponseError, S3NetworkError, S3ClockSkewError } from "../src/s3/errors.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";

function connect(bucket: string, secret = minio().secretAccessKey, now?: () => number) {
  const m = minio();
  return new S3Connection({
    location: { region: m.region, bucket, endpoint: m.endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m.accessKeyId, secretAccessKey: secret }),
    timeoutMs: 5000,
    now,
  });
}

const sha256 = (parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest("hex");
};

describe("S3Connection", () => {
  it("PUTs a body given as two views and GETs it back byte for byte, with an awkward key", async () => {
    const bucket = await freshBucket("req");
    const conn = connect(bucket);
    const whole = new Uint8Array(100_000).map((_, i) => (i * 7) & 0xff);
    const parts = [whole.subarray(0, 33_333), whole.subarray(33_333)];
    const key = "cam 1/+plus/é&=?.ts";
    const put = await conn.send({ method: "PUT", key, body: parts, payloadHash: sha256(parts) });
    expect(put.status).toBe(200);
    const got = await referenceClient().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    expect(Buffer.from(await got.Body!.transformToByteArray()).equals(Buffer.from(whole))).toBe(true);
    const mine = await conn.send({ method: "GET", key, maxBodyBytes: 1 << 20 });
    expect(mine.body.equals(Buffer.from(whole))).toBe(true);
    conn.close();
  });

  it("sends query parameters (ListObjectsV2 with a prefix)", async () => {
    const bucket = await freshBucket("req");
    await referenceClient().send(new PutObjectCommand({ Bucket: bucket, Key: "a b/1.ts", Body: "x" }));
    await referenceClient().send(new PutObjectCommand({ Bucket: bucket, Key: "c/2.ts", Body: "y" }));
    const conn = connect(bucket);
    const res = await conn.send({ method: "GET", query: { "list-type": "2", prefix: "a b/" } });
    const text = res.body.toString();
    expect(text).toContain("<Key>a b/1.ts</Key>");
    expect(text).not.toContain("c/2.ts");
    conn.close();
  });

  it("reports a missing bucket as a fatal S3ResponseError with the S3 code", async () => {
    const conn = connect("no-such-bucket-ipc-hls");
    const err = await conn.send({ method: "GET", key: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(S3ResponseError);
    expect(err.code).toBe("NoSuchBucket");
    expect(err.status).toBe(404);
    expect(err.kind).toBe("fatal");
    conn.close();
  });

  it("reports a wrong secret as a typed auth error that does not contain the secrets", async () => {
    const bucket = await freshBucket("req");
    const wrong = "wrong-secret-0123456789abcdef";
    const conn = connect(bucket, wrong);
    const err = await conn.send({ method: "PUT", key: "k", body: [new Uint8Array(10)], payloadHash: sha256([new Uint8Array(10)]) }).catch((e) => e);
    expect(err).toBeInstanceOf(S3AuthError);
    expect(err.code).toBe("SignatureDoesNotMatch");
    expect(err.kind).toBe("auth");
    const text = `${err.message} ${err.stack} ${JSON.stringify(err)}`;
    expect(text).not.toContain(wrong);
    expect(text).not.toContain(minio().secretAccessKey);
    expect(text).not.toMatch(/Signature=/);
    conn.close();
  });

  it("learns the store's clock: a device clock 2 hours off is corrected after one RequestTimeTooSkewed", async () => {
    const bucket = await freshBucket("req");
    const conn = connect(bucket, undefined, () => Date.now() - 2 * 3600_000);
    const err = await conn.send({ method: "GET", query: { "list-type": "2" } }).catch((e) => e);
    expect(err).toBeInstanceOf(S3ClockSkewError);
    expect(Math.abs(conn.clock.offsetMs - 2 * 3600_000)).toBeLessThan(60_000);
    const ok = await conn.send({ method: "GET", query: { "list-type": "2" } });
    expect(ok.status).toBe(200);
    conn.close();
  });

  it("reports a refused connection as a retryable network error", async () => {
    const conn = new S3Connection({
      location: { region: "us-east-1", bucket: "b-x", endpoint: "http://127.0.0.1:1", forcePathStyle: true },
      credentials: async () => ({ accessKeyId: "a", secretAccessKey: "s" }),
    });
    const err = await conn.send({ method: "GET", key: "x" }).catch((e) => e);
    expect(err).toBeInstanceOf(S3NetworkError);
    expect(err.kind).toBe("transient");
    expect(err.code).toBe("ECONNREFUSED");
  });
});
