// The uploader between a fault-injecting proxy and MinIO, with synthetic segments (the end-to-end tests with the
// WASM core are in sdk-*.test.ts): every segment arrives exactly once and byte-identical, retries are counted,
// corrupted bodies are refused by MinIO, auth failures keep segments until good credentials come.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { S3Store } from "../src/store/s3-store.js";
import { CredentialSource, type Credentials } from "../src/credentials.js";
import { Uploader, type RetryInfo, type UploadedInfo, type UploadDroppedInfo } from "../src/uploader.js";
import { segmentKey } from "../src/keys.js";
import { S3AuthError, S3IntegrityError, S3NetworkError, S3ResponseError, S3TimeoutError, S3ClockSkewError, S3UnexpectedAnswerError } from "../src/s3/errors.js";
import type { ChecksumMode } from "../src/s3/checksum.js";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { startFaultProxy, sequence, type FaultProxy } from "./support/fault-proxy.js";
import { SyntheticRing } from "./support/synthetic-ring.js";

let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(minio().endpoint);
});
afterAll(async () => {
  await proxy.close();
});

const goodKeys = (): Credentials => ({ accessKeyId: minio().accessKeyId, secretAccessKey: minio().secretAccessKey });

interface Setup {
  bucket: string;
  checksum?: ChecksumMode;
  credentials?: CredentialSource;
  timeoutMs?: number;
  now?: () => number;
  concurrency?: number;
}

function harness(s: Setup) {
  const credentials = s.credentials ?? new CredentialSource(goodKeys());
  const store = new S3Store({
    location: { region: minio().region, bucket: s.bucket, endpoint: proxy.endpoint, forcePathStyle: true },
    credentials: () => credentials.get(),
    checksum: s.checksum,
    timeoutMs: s.timeoutMs ?? 2000,
    now: s.now,
  });
  const ring = new SyntheticRing();
  const uploaded: UploadedInfo[] = [];
  const retries: RetryInfo[] = [];
  const dropped: UploadDroppedInfo[] = [];
  const errors: Error[] = [];
  let onError: ((e: Error) => void) | undefined;
  const uploader = new Uploader({
    store,
    ring,
    credentials,
    concurrency: s.concurrency ?? 1,
    backoff: { baseMs: 5, capMs: 40 },
    describe: (seg) => ({
      key: segmentKey({ prefix: "cam", startMs: seg.wallStartMs, durationMs: seg.durationUs / 1000, session: "0badcafe", seq: seg.seq }),
      options: { contentType: "video/mp2t", metadata: { "duration-ms": String(seg.durationUs / 1000) } },
    }),
    events: {
      uploaded: (i) => uploaded.push(i),
      retry: (i) => retries.push(i),
      dropped: (i) => dropped.push(i),
      error: (e) => {
        errors.push(e);
        onError?.(e);
      },
    },
  });
  const nextError = () => new Promise<Error>((resolve) => (onError = resolve));
  return { store, ring, uploader, uploaded, retries, dropped, errors, credentials, nextError };
}

async function objectsIn(bucket: string): Promise<Map<string, Buffer>> {
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out = new Map<string, Buffer>();
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.set(o.Key!, Buffer.from(await got.Body!.transformToByteArray()));
  }
  return out;
}

describe.each(["crc32", "sha256"] as const)("uploader through faults (%s)", (checksum) => {
  it("every segment arrives exactly once, byte-identical, after 500, SlowDown, resets, a stall and a corrupted body", async () => {
    const bucket = await freshBucket("faults");
    const h = harness({ bucket, checksum, timeoutMs: 400 });
    proxy.setScript(
      sequence([
        { status: 500, code: "InternalError" },
        { status: 503, code: "SlowDown" },
        "reset",
        "stall",
        "corrupt-body",
        "reset-after-upstream",
        { status: 503, code: "ServiceUnavailable" },
      ]),
    );
    const segments = Array.from({ length: 8 }, (_, seq) => h.ring.make(seq));
    for (const seg of segments) h.uploader.enqueue(seg);
    expect(await h.uploader.drain(60_000)).toBe(0);

    expect(h.uploaded.map((u) => u.seq).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(h.dropped).toEqual([]);
    expect(h.retries).toHaveLength(7);
    expect(h.uploader.stats.retries).toBe(7);
    const errs = h.retries.map((r) => r.error);
    expect(errs[0]).toBeInstanceOf(S3ResponseError);
    expect((errs[0] as S3ResponseError).status).toBe(500);
    expect((errs[1] as S3ResponseError).code).toBe("SlowDown");
    expect(errs[2]).toBeInstanceOf(S3NetworkError);
    expect(errs[3]).toBeInstanceOf(S3TimeoutError);
    // MinIO itself refused the corrupted body, and we typed its answer.
    expect(errs[4]).toBeInstanceOf(S3IntegrityError);
    expect((errs[4] as S3IntegrityError).code).toBe(checksum === "crc32" ? "XAmzContentChecksumMismatch" : "XAmzContentSHA256Mismatch");
    expect(errs[4].message).toContain("'x-amz-");
    expect(errs[5]).toBeInstanceOf(S3NetworkError);
    expect(h.uploaded.reduce((n, u) => n + u.attempts, 0)).toBe(8 + 7);
    expect([...h.ring.released].sort()).toEqual(segments.map((s) => s.id).sort());

    const stored = await objectsIn(bucket);
    expect(stored.size).toBe(8);
    for (const seg of segments) {
      const key = h.uploaded.find((u) => u.seq === seg.seq)!.key;
      expect(stored.get(key)?.equals(h.ring.bodies.get(seg.id)!)).toBe(true);
    }
    h.store.close();
  });
});

describe("uploader: clock skew", () => {
  it("a device clock two hours behind costs one immediate retry, then every upload succeeds", async () => {
    const bucket = await freshBucket("skew");
    proxy.setScript(() => "pass");
    const h = harness({ bucket, now: () => Date.now() - 2 * 3600_000 });
    for (let seq = 0; seq < 3; seq++) h.uploader.enqueue(h.ring.make(seq));
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toHaveLength(3);
    expect(h.retries).toHaveLength(1);
    expect(h.retries[0].error).toBeInstanceOf(S3ClockSkewError);
    expect(h.retries[0].delayMs).toBe(0);
    h.store.close();
  });

  it("a Date header an hour off (rewritten by the proxy) misleads the clock once; MinIO's next answer corrects it", async () => {
    const bucket = await freshBucket("skew");
    proxy.setScript(sequence([{ skewDateMs: 3600_000 }]));
    const h = harness({ bucket });
    for (let seq = 0; seq < 3; seq++) h.uploader.enqueue(h.ring.make(seq));
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toHaveLength(3);
    expect(h.retries).toHaveLength(1);
    expect(h.retries[0].error).toBeInstanceOf(S3ClockSkewError);
    expect(Math.abs(h.store.connection.clock.offsetMs)).toBeLessThan(60_000);
    h.store.close();
  });
});

describe("uploader: credentials", () => {
  it("a wrong secret is a typed auth error; segments stay in the ring until setCredentials brings the right one", async () => {
    const bucket = await freshBucket("auth");
    proxy.setScript(() => "pass");
    const wrongSecret = "this-is-the-wrong-secret-42";
    const credentials = new CredentialSource({ accessKeyId: minio().accessKeyId, secretAccessKey: wrongSecret });
    const h = harness({ bucket, credentials });
    const firstError = h.nextError();
    const segments = Array.from({ length: 3 }, (_, seq) => h.ring.make(seq));
    for (const seg of segments) h.uploader.enqueue(seg);
    const err = await firstError;
    expect(err).toBeInstanceOf(S3AuthError);
    expect((err as S3AuthError).code).toBe("SignatureDoesNotMatch");
    expect(`${err.message}${err.stack}`).not.toContain(wrongSecret);
    expect(h.ring.released).toEqual([]);
    expect(h.uploaded).toEqual([]);
    expect((await objectsIn(bucket)).size).toBe(0);

    credentials.set(goodKeys());
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toHaveLength(3);
    expect(h.dropped).toEqual([]);
    expect((await objectsIn(bucket)).size).toBe(3);
    h.store.close();
  });

  it("a provider that first returns a wrong secret, then rotates temporary credentials, loses nothing", async () => {
    const bucket = await freshBucket("rotate");
    proxy.setScript(() => "pass");
    let clock = Date.now();
    let calls = 0;
    const provider = async (): Promise<Credentials> => {
      calls++;
      const secret = calls === 1 ? "wrong-secret-from-a-stale-cache" : minio().secretAccessKey;
      // Each set "expires" 15 minutes after it was issued on the test's clock.
      return { accessKeyId: minio().accessKeyId, secretAccessKey: secret, sessionToken: undefined, expiration: new Date(clock + 15 * 60_000) };
    };
    const credentials = new CredentialSource(provider, { now: () => clock });
    const h = harness({ bucket, credentials });
    for (let seq = 0; seq < 6; seq++) {
      h.uploader.enqueue(h.ring.make(seq));
      await h.uploader.drain(30_000);
      clock += 15 * 60_000; // the previous set has expired by the next segment: a refresh is due
    }
    expect(h.uploaded).toHaveLength(6);
    expect(h.dropped).toEqual([]);
    expect(h.errors[0]).toBeInstanceOf(S3AuthError);
    expect(calls).toBeGreaterThanOrEqual(7);
    expect((await objectsIn(bucket)).size).toBe(6);
    h.store.close();
  });
});

describe("uploader: drops and failures", () => {
  it("a segment the core drops mid-upload is aborted: it never reaches the store and is not released", async () => {
    const bucket = await freshBucket("drop");
    proxy.setScript(sequence(["stall"]));
    const h = harness({ bucket, timeoutMs: 30_000 });
    const seg0 = h.ring.make(0);
    const seg1 = h.ring.make(1);
    h.uploader.enqueue(seg0);
    h.uploader.enqueue(seg1);
    while (proxy.log.length === 0 || proxy.log.at(-1)!.fault !== "stall") await new Promise((r) => setTimeout(r, 5));
    h.ring.drop(seg0.id);
    h.uploader.abortDropped();
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded.map((u) => u.seq)).toEqual([1]);
    expect(h.ring.released).toEqual([seg1.id]);
    expect([...(await objectsIn(bucket)).keys()]).toEqual([h.uploaded[0].key]);
    h.store.close();
  });

  it("a segment dropped while its request is being signed is never sent", async () => {
    const bucket = await freshBucket("drop");
    proxy.setScript(() => "pass");
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    // The provider answers only when the test says so: the upload is parked before its first byte.
    const credentials = new CredentialSource(async () => {
      await gate;
      return goodKeys();
    });
    const h = harness({ bucket, credentials });
    const requestsBefore = proxy.log.length;
    const seg = h.ring.make(0);
    h.uploader.enqueue(seg);
    await new Promise((r) => setImmediate(r));
    h.ring.drop(seg.id);
    h.uploader.abortDropped();
    openGate();
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(proxy.log.length).toBe(requestsBefore);
    expect(h.uploaded).toEqual([]);
    expect(h.ring.released).toEqual([]);
    h.store.close();
  });

  it("an answer retrying cannot fix (NoSuchBucket) reports the segment lost and frees its space", async () => {
    proxy.setScript(() => "pass");
    const h = harness({ bucket: "no-such-bucket-here" });
    const seg = h.ring.make(0);
    h.uploader.enqueue(seg);
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.dropped).toHaveLength(1);
    expect(h.dropped[0].reason).toBe("upload-failed");
    expect((h.dropped[0].error as S3ResponseError).code).toBe("NoSuchBucket");
    expect(h.ring.released).toEqual([seg.id]);
    expect(h.retries).toEqual([]);
    h.store.close();
  });

  it("close with a deadline gives up on stalled uploads and reports each as dropped", async () => {
    const bucket = await freshBucket("deadline");
    // PUTs stall; the HEAD that asks whether the one in flight landed is answered (404).
    proxy.setScript((_, req) => (req.method === "PUT" ? "stall" : "pass"));
    const h = harness({ bucket, timeoutMs: 60_000 });
    const logStart = proxy.log.length;
    for (let seq = 0; seq < 3; seq++) h.uploader.enqueue(h.ring.make(seq));
    expect(await h.uploader.drain(300)).toBe(3);
    expect(proxy.log.slice(logStart).filter((r) => r.method === "HEAD")).toHaveLength(1);
    expect(h.dropped.map((d) => d.reason)).toEqual(["close-deadline", "close-deadline", "close-deadline"]);
    expect(h.uploader.pending).toBe(0);
    proxy.setScript(() => "pass");
    expect((await objectsIn(bucket)).size).toBe(0);
    h.store.close();
  });
});

describe("uploader: a 2xx is not proof", () => {
  it("a captive portal's 200 (HTML, no ETag) is reported and retried; the count matches the bucket", async () => {
    const bucket = await freshBucket("portal");
    proxy.setScript(sequence(["captive-portal"]));
    const h = harness({ bucket });
    for (let seq = 0; seq < 2; seq++) h.uploader.enqueue(h.ring.make(seq));
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.retries).toHaveLength(1);
    expect(h.retries[0].error).toBeInstanceOf(S3UnexpectedAnswerError);
    expect(h.errors.filter((e) => e instanceof S3UnexpectedAnswerError)).toHaveLength(1);
    expect(h.uploaded.map((u) => u.seq).sort()).toEqual([0, 1]);
    expect((await objectsIn(bucket)).size).toBe(h.uploaded.length);
    h.store.close();
  });

  it("crc32: an answer echoing another checksum than the one sent is retried", async () => {
    const bucket = await freshBucket("echo");
    proxy.setScript(sequence(["wrong-checksum-echo"]));
    const h = harness({ bucket, checksum: "crc32" });
    h.uploader.enqueue(h.ring.make(0));
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.retries).toHaveLength(1);
    expect(h.retries[0].error).toBeInstanceOf(S3UnexpectedAnswerError);
    expect(h.retries[0].error.message).toContain("x-amz-checksum-crc32");
    expect(h.uploaded).toHaveLength(1);
    h.store.close();
  });
});

describe("uploader: an upload cut off after its body was sent", () => {
  /** Starts one upload whose answer MinIO gives but the proxy holds back; resolves once MinIO has stored it. */
  async function storedButUnanswered(h: ReturnType<typeof harness>, seq: number) {
    const seg = h.ring.make(seq);
    const logStart = proxy.log.length;
    h.uploader.enqueue(seg);
    while (!proxy.log.slice(logStart).some((r) => r.method === "PUT" && r.upstreamStatus === 200)) await new Promise((r) => setTimeout(r, 5));
    return seg;
  }

  it("dropped by the core, but the store has it (HEAD): counted uploaded, not lost", async () => {
    const bucket = await freshBucket("landed");
    proxy.setScript((_, req) => (req.method === "PUT" ? { delayAnswerMs: 5000 } : "pass"));
    const h = harness({ bucket });
    const seg = await storedButUnanswered(h, 0);
    h.ring.drop(seg.id);
    expect([...h.uploader.abortDropped()]).toEqual([0]); // the uploader reports this one, not the caller
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded.map((u) => u.seq)).toEqual([0]);
    expect(h.dropped).toEqual([]);
    expect(h.ring.released).toEqual([]); // (the core dropped it: its space is not ours to release)
    expect((await objectsIn(bucket)).size).toBe(1);
    h.store.close();
  });

  it("cut off by the close deadline, but the store has it: counted uploaded", async () => {
    const bucket = await freshBucket("landed");
    proxy.setScript((_, req) => (req.method === "PUT" ? { delayAnswerMs: 5000 } : "pass"));
    const h = harness({ bucket });
    await storedButUnanswered(h, 0);
    expect(await h.uploader.drain(10)).toBe(1);
    expect(h.uploaded.map((u) => u.seq)).toEqual([0]);
    expect(h.dropped).toEqual([]);
    expect(h.uploader.stats.segmentsUploaded).toBe((await objectsIn(bucket)).size);
    h.store.close();
  });

  it("when the store cannot say (HEAD fails), the segment is counted uncertain, neither uploaded nor lost", async () => {
    const bucket = await freshBucket("uncertain");
    proxy.setScript((_, req) => (req.method === "PUT" ? { delayAnswerMs: 5000 } : { status: 503, code: "ServiceUnavailable" }));
    const h = harness({ bucket });
    const seg = await storedButUnanswered(h, 0);
    h.ring.drop(seg.id);
    h.uploader.abortDropped();
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toEqual([]);
    expect(h.dropped.map((d) => d.reason)).toEqual(["uncertain"]);
    expect(h.dropped[0].error).toBeInstanceOf(S3ResponseError);
    expect(h.uploader.stats.segmentsUncertain).toBe(1);
    expect(h.uploader.stats.segmentsFailed).toBe(0);
    h.store.close();
  });

  it("dropped by the core before its request went out: lost, without asking the store", async () => {
    const bucket = await freshBucket("lost");
    proxy.setScript(() => "pass");
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const credentials = new CredentialSource(async () => {
      await gate;
      return goodKeys();
    });
    const h = harness({ bucket, credentials });
    const logStart = proxy.log.length;
    const seg = h.ring.make(0);
    h.uploader.enqueue(seg);
    await new Promise((r) => setImmediate(r));
    h.ring.drop(seg.id);
    expect([...h.uploader.abortDropped()]).toEqual([0]);
    openGate();
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toEqual([]);
    expect(h.dropped.map((d) => d.reason)).toEqual(["buffer-overflow"]);
    expect(proxy.log.slice(logStart)).toEqual([]);
    h.store.close();
  });

  it("dropped by the core while its body was still being sent: the store says it has nothing, so it is lost", async () => {
    const bucket = await freshBucket("lost");
    proxy.setScript(() => "stall"); // (reads nothing: the socket buffers fill long before 18.8 MB are sent)
    const h = harness({ bucket, concurrency: 1 });
    const seg = h.ring.make(0, 188 * 100_000);
    const logStart = proxy.log.length;
    h.uploader.enqueue(seg);
    while (!proxy.log.slice(logStart).some((r) => r.method === "PUT")) await new Promise((r) => setTimeout(r, 1));
    proxy.setScript(() => "pass");
    h.ring.drop(seg.id);
    h.uploader.abortDropped();
    expect(await h.uploader.drain(30_000)).toBe(0);
    expect(h.uploaded).toEqual([]);
    expect(h.dropped.map((d) => d.reason)).toEqual(["buffer-overflow"]);
    expect(proxy.log.slice(logStart).filter((r) => r.method === "HEAD").map((r) => r.status)).toEqual([404]);
    expect((await objectsIn(bucket)).size).toBe(0);
    h.store.close();
  });
});
