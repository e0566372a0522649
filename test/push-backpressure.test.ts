// `ipc-hls push` of a file several times its ring (the default 4 MiB) loses nothing: the file waits for the
// uploads, straight into MinIO and through a proxy that slows every upload; the bucket (read with the AWS SDK
// client) holds exactly the segments the summary says were made. Ctrl-C and SIGTERM during a push stop it
// cleanly: the open segment is finished and uploaded, the summary printed, exit 130 / 143, and the bucket holds
// every segment the summary counts as uploaded.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { fixturePath, repoRoot } from "./support/media-tools.js";
import { startFaultProxy, type FaultProxy } from "./support/fault-proxy.js";

const RING = 4 * 1024 * 1024; // push's default --buffer-size
const SECONDS = 40;

/** 40 s of 720p at ~5 Mbps (x264 ultrafast, IDR every 2 s): ~25 MB, six times the ring. Made once per machine. */
function bigFile(): string {
  const dir = join(tmpdir(), "ipc-hls-test-cache");
  const file = join(dir, `testsrc2-1280x720-25fps-5M-${SECONDS}s.h264`);
  if (existsSync(file)) return file;
  mkdirSync(dir, { recursive: true });
  const partial = `${file}.${process.pid}.partial`;
  execFileSync("ffmpeg", [
    "-nostdin", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=25", "-t", String(SECONDS),
    "-c:v", "libx264", "-preset", "ultrafast", "-b:v", "5M", "-maxrate", "5M", "-bufsize", "2M", "-g", "50", "-bf", "0",
    "-f", "h264", partial,
  ]);
  renameSync(partial, file);
  return file;
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `bin/ipc-hls push`; `whenStderr` is called with the output so far and may signal the process, as may
 * `started`, called once with it.
 */
function push(args: string[], whenStderr?: (stderr: string, child: ChildProcess) => void, started?: (child: ChildProcess) => void): Promise<Run> {
  const m = minio();
  const env = { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey, AWS_SESSION_TOKEN: undefined };
  const child = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "push", ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  const run: Run = { code: null, stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (run.stdout += d));
  child.stderr.on("data", (d) => {
    run.stderr += d;
    whenStderr?.(run.stderr, child);
  });
  started?.(child);
  return new Promise((resolve) => child.on("close", (code) => resolve({ ...run, code })));
}

async function objectCount(bucket: string): Promise<number> {
  const s3 = referenceClient();
  let count = 0;
  let token: string | undefined;
  do {
    const page = await s3.send(new ListObjectsV2Command({ Bucket: bucket, ContinuationToken: token }));
    count += page.KeyCount ?? 0;
    token = page.NextContinuationToken;
  } while (token);
  return count;
}

/** made / uploaded / lost from the summary. */
function segmentCounts(stdout: string) {
  const m = /segments:\s+(\d+) made, (\d+) uploaded, (\d+) lost/.exec(stdout);
  expect(m, stdout).not.toBeNull();
  return { made: Number(m![1]), uploaded: Number(m![2]), lost: Number(m![3]) };
}

let video: string;
let proxy: FaultProxy;
beforeAll(async () => {
  video = bigFile();
  proxy = await startFaultProxy(minio().endpoint);
});
afterAll(() => proxy.close());

describe("ipc-hls push waits for the uploads", () => {
  it.each([
    { store: "MinIO", slow: false },
    { store: "MinIO behind a link that holds every upload 300 ms", slow: true },
  ])("a file six times the default ring into $store: every segment uploaded, exit 0, the bucket holds them all", async ({ slow }) => {
    expect(statSync(video).size).toBeGreaterThan(5 * RING);
    const bucket = await freshBucket("push-big");
    proxy.setScript((_, req) => (slow && req.method === "PUT" ? { delayMs: 300 } : "pass"));
    const logged = proxy.log.length;
    const endpoint = slow ? proxy.endpoint : minio().endpoint;
    const res = await push([video, "--fps", "25", "--bucket", bucket, "--endpoint", endpoint, "--path-style"]);
    expect(res.stderr).not.toMatch(/lost/);
    expect(res.code, res.stdout + res.stderr).toBe(0);
    const counts = segmentCounts(res.stdout);
    expect(counts.made).toBe(SECONDS / 2);
    expect(counts.uploaded).toBe(counts.made);
    expect(counts.lost).toBe(0);
    expect(await objectCount(bucket)).toBe(counts.made);
    if (slow) expect(proxy.log.slice(logged).filter((r) => r.method === "PUT")).toHaveLength(counts.made);
  });
});

describe("ipc-hls push does not wait for a store that is down", () => {
  it("uploads refused for longer than --deadline: it stops waiting, feeds the rest as a camera would, reports the losses, exit 1", async () => {
    const bucket = await freshBucket("push-down");
    proxy.setScript((_, req) => (req.method === "PUT" ? { status: 503, code: "ServiceUnavailable" } : "pass"));
    const res = await push([video, "--fps", "25", "--bucket", bucket, "--endpoint", proxy.endpoint, "--path-style", "--deadline", "1"]);
    expect(res.code, res.stdout + res.stderr).toBe(1);
    expect(res.stderr).toMatch(/uploads stalled for 1 s: no longer waiting for them/);
    const counts = segmentCounts(res.stdout);
    expect(counts.made).toBe(SECONDS / 2);
    expect(counts.uploaded).toBe(0);
    expect(counts.lost).toBe(counts.made);
    expect(await objectCount(bucket)).toBe(0);
  });
});

describe("ipc-hls push stops cleanly on a signal", () => {
  it.each([
    { signal: "SIGINT" as const, code: 130 },
    { signal: "SIGTERM" as const, code: 143 },
  ])("$signal after two segments: the open one is finished and uploaded, summary printed, exit $code", async ({ signal, code }) => {
    const bucket = await freshBucket("push-signal");
    let sent = false;
    // A camera's pace: 10 s of video, two segments uploaded after about 4 s.
    const res = await push([fixturePath("sample/sample-640x360-25fps.h264"), "--fps", "25", "--realtime", "--bucket", bucket, "--endpoint", minio().endpoint, "--path-style"], (stderr, child) => {
      if (!sent && (stderr.match(/^uploaded /gm) ?? []).length >= 2) {
        sent = true;
        child.kill(signal);
      }
    });
    expect(sent).toBe(true);
    expect(res.code, res.stdout + res.stderr).toBe(code);
    expect(res.stderr).toContain(`${signal}: stopping`);
    const counts = segmentCounts(res.stdout);
    // The segment open at the signal was closed at its last frame and uploaded too; the rest of the file was not read.
    expect(counts.made).toBeGreaterThanOrEqual(3);
    expect(counts.made).toBeLessThan(5);
    expect(counts.lost).toBe(0);
    expect(counts.uploaded).toBe(counts.made);
    expect(await objectCount(bucket)).toBe(counts.uploaded);
  });

  it("a second SIGINT while the uploads are still waiting exits at once, saying so", async () => {
    const bucket = await freshBucket("push-twice");
    proxy.setScript((_, req) => (req.method === "PUT" ? "stall" : "pass"));
    const logged = proxy.log.length;
    let second = false;
    const res = await push(
      [fixturePath("sample/sample-640x360-25fps.h264"), "--fps", "25", "--realtime", "--bucket", bucket, "--endpoint", proxy.endpoint, "--path-style"],
      (stderr, child) => {
        if (!second && stderr.includes("SIGINT: stopping")) {
          second = true; // close() now waits up to the 60 s deadline for an upload that never answers
          child.kill("SIGINT");
        }
      },
      (child) => {
        // The first SIGINT once a segment is on its way (its upload stalls).
        const poll = setInterval(() => {
          if (!proxy.log.slice(logged).some((r) => r.method === "PUT")) return;
          clearInterval(poll);
          child.kill("SIGINT");
        }, 50);
        child.on("close", () => clearInterval(poll));
      },
    );
    expect(second).toBe(true);
    expect(res.code).toBe(130);
    expect(res.stderr).toMatch(/SIGINT again: exiting now/);
    expect(res.stdout).toBe(""); // no summary: it did not wait
  });
});
