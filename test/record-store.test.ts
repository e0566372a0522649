// `ipc-hls record` and its store: it starts and records while the store is unreachable (a camera often boots
// before its uplink) and uploads everything once the store answers; a store that refuses for good (no such
// bucket) stops that camera with one line while the other cameras of the --config go on; --metrics serves the
// cameras' numbers; a bad config names the camera and the field.
import { describe, it, expect, afterAll } from "vitest";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { createServer, connect, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { decodeErrors, fixturePath, tempDir } from "./support/media-tools.js";
import { startRecord } from "./support/record-run.js";

const tmp = tempDir("record-store-");
afterAll(() => tmp.cleanup());

async function objects(bucket: string): Promise<{ key: string; bytes: Uint8Array }[]> {
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out = [];
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.push({ key: o.Key!, bytes: await got.Body!.transformToByteArray() });
  }
  return out;
}

/** A port nothing listens on now (the store "down"); `open()` later forwards it to MinIO (the uplink is up). */
async function storeComingUp(): Promise<{ endpoint: string; open(): Promise<void>; close(): Promise<void> }> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise((resolve) => probe.close(resolve));
  const upstream = new URL(minio().endpoint);
  let server: Server | undefined;
  const sockets = new Set<Socket>();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async open() {
      server = createServer((client) => {
        const up = connect(Number(upstream.port), upstream.hostname);
        for (const s of [client, up]) {
          sockets.add(s);
          s.on("error", () => {
            client.destroy();
            up.destroy();
          });
          s.on("close", () => sockets.delete(s));
        }
        client.pipe(up).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, "127.0.0.1", resolve));
    },
    async close() {
      for (const s of sockets) s.destroy();
      if (server) await new Promise((resolve) => server!.close(resolve));
    },
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("ipc-hls record and its store", () => {
  it("records while the store is unreachable at start (ring and spill directory), and uploads it all once it answers", async () => {
    const bucket = await freshBucket("rec-down");
    const spill = join(tmp.path, "spill");
    const store = await storeComingUp();
    try {
      const record = startRecord([
        fixturePath("sample/sample-640x360-25fps.h264"), "--audio", fixturePath("sample/sample-48000-mono.aac"), "--realtime", "--fps", "25",
        "--name", "porch", "--bucket", bucket, "--endpoint", store.endpoint, "--path-style", "--spill", spill,
        // A ring of about four of these segments, so the outage outlasts it and segments go to the spill directory.
        "--buffer-size", String(512 * 1024),
      ]);
      // Recording with the store down until a segment had to go to disk; then the uplink comes up.
      const spilled = () => existsSync(spill) && readdirSync(spill).some((f) => f.endsWith(".ts"));
      while (!spilled() && record.child.exitCode === null) await sleep(100);
      expect(spilled()).toBe(true);
      await store.open();
      const code = await record.exited;
      const { stdout, stderr } = record.output;
      expect(code, stdout + stderr).toBe(0);
      const summary = /segments: +(\d+) made, (\d+) uploaded, 0 lost/.exec(stdout);
      expect(summary, stdout).not.toBeNull();
      expect(Number(summary![1])).toBe(5); // the 10 s clip: five 2-s segments
      expect(Number(summary![2])).toBe(5);
      expect(stdout).toMatch(/spill: +[1-9]\d* spilled, [1-9]\d* uploaded from disk, 0 waiting there/);
      const stored = await objects(bucket);
      expect(stored.map((o) => o.key.split("/")[0])).toEqual(Array(5).fill("porch"));
      for (const [i, o] of stored.entries()) {
        const file = join(tmp.path, `down-${i}.ts`);
        writeFileSync(file, o.bytes);
        expect(await decodeErrors(file), o.key).toBe("");
      }
      expect(readdirSync(spill).filter((f) => f.endsWith(".ts"))).toEqual([]);
      expect(stdout + stderr).not.toContain(minio().secretAccessKey);
    } finally {
      await store.close();
    }
  }, 90_000);

  it("--config: a camera whose bucket does not exist stops with one line; the other records everything; --metrics serves both", async () => {
    const m = minio();
    const bucket = await freshBucket("rec-cfg");
    const config = join(tmp.path, "cameras.json");
    writeFileSync(
      config,
      JSON.stringify({
        defaults: { endpoint: m.endpoint, pathStyle: true, fps: 25 },
        cameras: [
          { name: "yard", source: fixturePath("sample/sample-640x360-25fps.h264"), bucket },
          { name: "shed", source: fixturePath("video/baseline-320x240-25fps.h264"), bucket: "no-such-bucket-for-shed" },
        ],
      }),
    );
    const record = startRecord(["--config", config, "--metrics", "0"]);
    // Metrics while recording.
    while (!/metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.test(record.output.stdout)) await sleep(50);
    const base = /metrics on (http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(record.output.stdout)![1]!;
    await sleep(3000);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/ipc_hls_up\{camera="yard"\} 1/);
    expect(metrics).toMatch(/ipc_hls_segments_uploaded_total\{camera="yard"\} [1-9]/);
    expect(metrics).toMatch(/camera="shed"/);
    const code = await record.exited;
    const { stdout, stderr } = record.output;
    expect(code).toBe(1);
    const refusals = stderr.split("\n").filter((l) => /shed: the store refuses the recording \(NoSuchBucket\).*this camera stops/.test(l));
    expect(refusals, stderr).toHaveLength(1);
    expect(stdout).toMatch(/shed: FAILED: the store refuses the recording \(NoSuchBucket\)/);
    expect(stdout).toMatch(/yard:\n(?:.*\n)*? {2}segments: +5 made, 5 uploaded, 0 lost/);
    const stored = await objects(bucket);
    expect(stored).toHaveLength(5);
    expect(stored.every((o) => o.key.startsWith("yard/"))).toBe(true);
  }, 60_000);

  it("a bad --config: every problem on its own line, naming the camera and the field; exit 2, nothing recorded", async () => {
    const config = join(tmp.path, "bad.json");
    const dir = join(tmp.path, "bad-store");
    writeFileSync(
      config,
      JSON.stringify({
        defaults: { store: dir },
        cameras: [
          { name: "gate", source: "rtsp://admin:hunter2-secret@10.0.0.5/stream", transport: "quic" },
          { name: "gate", source: "-" },
          { name: "back", source: "-", segmentDuraton: 4 },
        ],
      }),
    );
    const record = startRecord(["--config", config]);
    const code = await record.exited;
    const { stdout, stderr } = record.output;
    expect(code).toBe(2);
    expect(stderr).toMatch(/camera "gate": transport must be "tcp" or "udp", got "quic"/);
    expect(stderr).toMatch(/cameras\[1\]: name "gate" is already used by cameras\[0\]/);
    expect(stderr).toMatch(/camera "back": source "-" \(standard input\) is already cameras\[1\]'s|camera "back": source "-" \(standard input\) is already camera "gate"'s/);
    expect(stderr).toMatch(/camera "back": unknown field "segmentDuraton" \(did you mean "segmentDuration"\?\)/);
    expect(stdout + stderr).not.toContain("hunter2-secret");
    expect(existsSync(dir)).toBe(false);
  });
});
