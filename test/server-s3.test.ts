// Playback over S3 (MinIO): the server and the Lambda handler give the same presigned playlist, its URLs fetch the
// segments, and the CLI commands (playlist, serve) work against the bucket.
import { describe, it, expect, beforeAll, afterAll, vi } from "vitest";
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { promisify } from "node:util";
import { Parser } from "m3u8-parser";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { recordWithFfmpeg, type StoredSegment } from "./support/recordings.js";
import { tempDir } from "./support/media-tools.js";
import { S3Store } from "../src/store/s3-store.js";
import { createReplayServer } from "../src/playback/server.js";
import { createLambdaHandler, handler as lambdaEntryPoint } from "../src/playback/lambda.js";
import { command as playlistCommand } from "../src/cli/playlist.js";
import { startServeFromArgs } from "../src/cli/serve.js";
import { UsageError } from "../src/cli/command.js";
import type { ObjectStore } from "../src/store/types.js";

const exec = promisify(execFile);
const HOUR = 3_600_000;
const T = Math.floor((Date.now() - 3 * HOUR) / HOUR) * HOUR + 20 * 60_000;
const iso = (ms: number) => new Date(ms).toISOString();

interface Manifest {
  segments: Array<{ duration: number; uri: string }>;
  discontinuityStarts: number[];
  endList?: boolean;
}
function parse(text: string): Manifest {
  const parser = new Parser();
  parser.push(text);
  parser.end();
  return parser.manifest as unknown as Manifest;
}

/** An ObjectStore that writes through the AWS SDK, so the recordings do not depend on our S3 code. */
function referenceStore(bucket: string): ObjectStore {
  const s3 = referenceClient();
  return {
    description: `reference s3://${bucket}`,
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.concat(body.map((b) => Buffer.from(b))) }));
    },
    async list() {
      throw new Error("not needed");
    },
  };
}

let bucket: string;
let segments: StoredSegment[];
let dir: ReturnType<typeof tempDir>;
const m = () => minio();
const s3Store = () =>
  new S3Store({
    location: { bucket, region: m().region, endpoint: m().endpoint, forcePathStyle: true },
    credentials: async () => ({ accessKeyId: m().accessKeyId, secretAccessKey: m().secretAccessKey }),
  });

beforeAll(async () => {
  bucket = await freshBucket("playback");
  dir = tempDir("ipc-hls-s3play-");
  const store = referenceStore(bucket);
  segments = await recordWithFfmpeg(store, "site/cam1", T, 6, "0000000a");
  const end = segments[segments.length - 1].startMs + segments[segments.length - 1].durationMs;
  segments.push(...(await recordWithFfmpeg(store, "site/cam1", end + 3000, 4, "0000000b")));
});
afterAll(() => dir?.cleanup());

const playlistPath = `/cameras/cam1/playlist.m3u8?start=${iso(T - 1000)}&end=${iso(T + HOUR / 4)}`;

describe("playback over S3", () => {
  it("server and Lambda handler return the same presigned playlist, whose URLs fetch the segments", async () => {
    const fixedNow = () => T + HOUR; // same signing time for both, so the same signatures
    const server: Server = createReplayServer({ store: s3Store(), prefix: "site", now: fixedNow, presignExpiresIn: 900 });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const fromServer = await (await fetch(`http://127.0.0.1:${port}${playlistPath}`)).text();
      const [path, query] = playlistPath.split("?");
      const lambda = createLambdaHandler({ store: s3Store(), prefix: "site", now: fixedNow, presignExpiresIn: 900 });
      const fromLambda = await lambda({ httpMethod: "GET", path, queryStringParameters: Object.fromEntries(new URLSearchParams(query)) });
      expect(fromLambda.statusCode).toBe(200);
      expect(fromLambda.body).toBe(fromServer);
      const manifest = parse(fromServer);
      expect(manifest.segments).toHaveLength(segments.length);
      expect(manifest.discontinuityStarts).toHaveLength(1);
      // Signed an hour after T for 900 s: long expired now. MinIO must refuse them.
      const expired = await fetch(manifest.segments[0].uri);
      expect(expired.status).toBe(403);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("presigned URLs signed now fetch exactly the stored bytes", async () => {
    const server = createReplayServer({ store: s3Store(), prefix: "site" });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const manifest = parse(await (await fetch(`http://127.0.0.1:${port}${playlistPath}`)).text());
      for (const [i, segment] of manifest.segments.entries()) {
        expect(segment.uri).toMatch(/X-Amz-Signature=/);
        const res = await fetch(segment.uri);
        expect(res.status).toBe(200);
        expect(Buffer.from(await res.arrayBuffer()).equals(segments[i].bytes)).toBe(true);
      }
      expect((await fetch(`http://127.0.0.1:${port}/cameras`)).status).toBe(200);
      expect(await (await fetch(`http://127.0.0.1:${port}/cameras`)).json()).toEqual({ cameras: ["cam1"] });
      expect((await fetch(`http://127.0.0.1:${port}/cameras/cam2/spans?day=${iso(T).slice(0, 10)}`)).status).toBe(404);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("the deployable Lambda entry point is configured by environment variables", async () => {
    const [path, query] = playlistPath.split("?");
    // (As API Gateway sends it with a Cognito authorizer on the route: without one the handler refuses.)
    const event = { httpMethod: "GET", path, queryStringParameters: Object.fromEntries(new URLSearchParams(query)), requestContext: { authorizer: { claims: { sub: "viewer" } } } };
    vi.stubEnv("IPC_HLS_BUCKET", "");
    try {
      const unconfigured = await lambdaEntryPoint(event);
      expect(unconfigured.statusCode).toBe(500);
      expect(JSON.parse(unconfigured.body).error.message).toMatch(/IPC_HLS_BUCKET/);
      const env = { IPC_HLS_BUCKET: bucket, IPC_HLS_PREFIX: "site", IPC_HLS_ENDPOINT: m().endpoint, IPC_HLS_PATH_STYLE: "1", IPC_HLS_EXPIRES: "120", AWS_REGION: m().region, AWS_ACCESS_KEY_ID: m().accessKeyId, AWS_SECRET_ACCESS_KEY: m().secretAccessKey, AWS_SESSION_TOKEN: "" };
      for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
      const result = await lambdaEntryPoint(event);
      expect(result.statusCode).toBe(200);
      const manifest = parse(result.body);
      expect(manifest.segments).toHaveLength(segments.length);
      expect(manifest.segments[0].uri).toContain("X-Amz-Expires=120");
      expect((await fetch(manifest.segments[0].uri)).status).toBe(200);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("answers 502 with a JSON error, without secrets, when the store cannot be reached", async () => {
    const errors: unknown[] = [];
    const unreachable = new S3Store({
      location: { bucket, region: m().region, endpoint: "http://127.0.0.1:1", forcePathStyle: true },
      credentials: async () => ({ accessKeyId: "AKIDUNREACHABLE", secretAccessKey: "very-secret-key" }),
      timeoutMs: 5000,
    });
    const server = createReplayServer({ store: unreachable, prefix: "site", onError: (e) => errors.push(e) });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      for (const path of ["/cameras", playlistPath]) {
        const res = await fetch(`http://127.0.0.1:${port}${path}`);
        expect(res.status, path).toBe(502);
        const text = await res.text();
        expect(JSON.parse(text).error.code).toBe("store-unavailable");
        expect(text).not.toContain("very-secret-key");
      }
      expect(errors).toHaveLength(2);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe("ipc-hls playlist and ipc-hls serve", () => {
  const env = () => ({ AWS_ACCESS_KEY_ID: m().accessKeyId, AWS_SECRET_ACCESS_KEY: m().secretAccessKey, AWS_SESSION_TOKEN: "" });
  const s3Flags = () => ["--endpoint", m().endpoint, "--path-style", "--region", m().region];

  async function runPlaylist(argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = "";
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      stdout += chunk.toString();
      return true;
    });
    try {
      return { code: await playlistCommand.run(argv), stdout };
    } finally {
      spy.mockRestore();
    }
  }

  it("prints a playlist of presigned URLs that ffmpeg plays", async () => {
    for (const [k, v] of Object.entries(env())) vi.stubEnv(k, v);
    try {
      const firstSession = segments.filter((s) => s.key.includes("0000000a"));
      const end = firstSession[firstSession.length - 1].startMs + 1;
      const { code, stdout } = await runPlaylist(["--bucket", bucket, "--prefix", "site/cam1", "--from", iso(T), "--to", iso(end), "--expires", "600", ...s3Flags()]);
      expect(code).toBe(0);
      const manifest = parse(stdout);
      expect(manifest.endList).toBe(true);
      expect(manifest.segments).toHaveLength(firstSession.length);
      expect(manifest.segments.every((s) => s.uri.includes("X-Amz-Expires=600"))).toBe(true);
      const file = join(dir.path, "cli.m3u8");
      await writeFile(file, stdout);
      const { stderr } = await exec("ffmpeg", ["-v", "error", "-xerror", "-protocol_whitelist", "file,http,tcp", "-i", file, "-map", "0", "-f", "null", "-"]);
      expect(stderr).toBe("");
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("refuses bad flags with a usage error", async () => {
    for (const [k, v] of Object.entries(env())) vi.stubEnv(k, v);
    try {
      const ok = ["--bucket", bucket, "--prefix", "site/cam1", "--from", iso(T), "--to", iso(T + 60_000)];
      await expect(runPlaylist(ok.slice(2))).rejects.toThrow(UsageError); // no --bucket
      await expect(runPlaylist([...ok, "--expires", "604801"])).rejects.toThrow(UsageError);
      await expect(runPlaylist([...ok.slice(0, 6), "--to", "2026-11-25T10:00:00"])).rejects.toThrow(UsageError); // no zone
      await expect(runPlaylist([...ok.slice(0, 6), "--to", iso(T + 8 * 86_400_000)])).rejects.toThrow(UsageError); // > 7 days
      vi.stubEnv("AWS_SECRET_ACCESS_KEY", "");
      await expect(runPlaylist(ok)).rejects.toThrow(/AWS_SECRET_ACCESS_KEY/);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("serve starts on a directory or a bucket and answers the API", async () => {
    const local = await startServeFromArgs(["--port", "0", "--store", dir.path]);
    try {
      expect(await (await fetch(`${local.url}cameras`)).json()).toEqual({ cameras: [] });
      expect((await fetch(local.url)).status).toBe(200);
    } finally {
      await local.close();
    }
    for (const [k, v] of Object.entries(env())) vi.stubEnv(k, v);
    try {
      const remote = await startServeFromArgs(["--port", "0", "--store", `s3://${bucket}/site`, ...s3Flags(), "--cors", "*"]);
      try {
        const res = await fetch(`${remote.url}${playlistPath.slice(1)}`);
        expect(res.status).toBe(200);
        expect(res.headers.get("access-control-allow-origin")).toBe("*");
        expect(parse(await res.text()).segments).toHaveLength(segments.length);
      } finally {
        await remote.close();
      }
      await expect(startServeFromArgs(["--store", "ftp://x/y"])).rejects.toThrow(UsageError);
      await expect(startServeFromArgs(["--port", "70000"])).rejects.toThrow(UsageError);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
