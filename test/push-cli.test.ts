// `ipc-hls push` against MinIO: the objects it uploads are byte-identical to the segments `ipc-hls mux` writes
// for the same input, the summary is printed (with the recorded range and the command that replays it, which
// works as printed), secrets never appear in the output, and lost segments (here: refused credentials until the
// deadline) give a non-zero exit.
import { describe, it, expect, afterAll } from "vitest";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { Parser } from "m3u8-parser";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { decodeErrors, fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { ipcHlsMux } from "./support/mux-run.js";
import { initKeyOf, parseInitKey, parseSegmentKey } from "../src/keys.js";
import { startFaultProxy } from "./support/fault-proxy.js";

const run = promisify(execFile);
const tmp = tempDir("push-cli-");
afterAll(() => tmp.cleanup());

/** Runs `bin/ipc-hls push` with the given environment (and no AWS variables from ours). */
async function push(args: string[], env: Record<string, string | undefined>) {
  const childEnv: Record<string, string | undefined> = { ...process.env, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_SESSION_TOKEN: undefined, ...env };
  try {
    const { stdout, stderr } = await run(process.execPath, [join(repoRoot, "bin/ipc-hls"), "push", ...args], { env: childEnv as NodeJS.ProcessEnv });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

async function objects(bucket: string) {
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const out: { key: string; bytes: Buffer }[] = [];
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    out.push({ key: o.Key!, bytes: Buffer.from(await got.Body!.transformToByteArray()) });
  }
  return out;
}

describe("ipc-hls push", () => {
  it("uploads the same bytes `ipc-hls mux` writes, under the documented keys, and prints a summary", async () => {
    const m = minio();
    const bucket = await freshBucket("push");
    const video = fixturePath("sample/sample-640x360-25fps.h264");
    const audio = fixturePath("sample/sample-48000-mono.aac");
    const res = await push([video, "--audio", audio, "--fps", "25", "--bucket", bucket, "--prefix", "cam-9", "--endpoint", m.endpoint, "--path-style", "--tag", "camera=cam-9"], {
      AWS_ACCESS_KEY_ID: m.accessKeyId,
      AWS_SECRET_ACCESS_KEY: m.secretAccessKey,
    });
    expect(res.stderr).not.toContain(m.secretAccessKey);
    expect(res.stdout).not.toContain(m.secretAccessKey);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/5 made, 5 uploaded, 0 lost/);
    expect(res.stdout).toMatch(/250 video, 470 audio/);

    const muxed = await ipcHlsMux(video, "25", join(tmp.path, "mux"), ["--audio", audio]);
    expect(muxed.exitCode).toBe(0);
    const stored = (await objects(bucket)).sort((a, b) => parseSegmentKey(a.key)!.seq - parseSegmentKey(b.key)!.seq);
    expect(stored.map((o) => parseSegmentKey(o.key)!.seq)).toEqual([0, 1, 2, 3, 4]);
    expect(stored).toHaveLength(muxed.tsFiles.length);
    stored.forEach((object, i) => {
      expect(object.key.startsWith("cam-9/")).toBe(true);
      expect(object.bytes.equals(readFileSync(join(muxed.outDir, muxed.tsFiles[i]!)))).toBe(true);
    });
  });

  it("--container fmp4 uploads the init segment and the .m4s segments `ipc-hls mux --container fmp4` writes, byte for byte", async () => {
    const m = minio();
    const bucket = await freshBucket("push-fmp4");
    const video = fixturePath("sample/sample-640x360-25fps.h264");
    const audio = fixturePath("sample/sample-48000-mono.aac");
    const res = await push([video, "--audio", audio, "--fps", "25", "--container", "fmp4", "--bucket", bucket, "--prefix", "cam-f", "--endpoint", m.endpoint, "--path-style"], {
      AWS_ACCESS_KEY_ID: m.accessKeyId,
      AWS_SECRET_ACCESS_KEY: m.secretAccessKey,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toMatch(/5 made, 5 uploaded, 0 lost/);
    const muxed = await ipcHlsMux(video, "25", join(tmp.path, "mux-fmp4"), ["--audio", audio, "--container", "fmp4"]);
    expect(muxed.exitCode).toBe(0);
    const stored = await objects(bucket);
    const inits = stored.filter((o) => parseInitKey(o.key));
    expect(inits.map((o) => parseInitKey(o.key)!.version)).toEqual([1]);
    expect(inits[0]!.bytes.equals(readFileSync(join(muxed.outDir, "init.mp4")))).toBe(true);
    const segments = stored.filter((o) => o.key.endsWith(".m4s")).sort((a, b) => parseSegmentKey(a.key)!.seq - parseSegmentKey(b.key)!.seq);
    expect(segments).toHaveLength(muxed.segments.length);
    segments.forEach((object, i) => {
      expect(initKeyOf(parseSegmentKey(object.key)!)).toBe(inits[0]!.key);
      expect(object.bytes.equals(muxed.segments[i]!.bytes), object.key).toBe(true);
    });
    // The `ipc-hls playlist` command it prints, run as printed: EXT-X-MAP with a presigned init URL, and ffmpeg's
    // HLS client decodes the whole recording from it.
    const command = /^ {2}replay: {5}(ipc-hls playlist .*)$/m.exec(res.stdout)?.[1];
    expect(command).toBeDefined();
    const replay = await run("bash", ["-c", `ipc-hls() { "${process.execPath}" "${join(repoRoot, "bin/ipc-hls")}" "$@"; }\n${command}`], {
      env: { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey } as NodeJS.ProcessEnv,
    });
    expect(replay.stdout).toMatch(/^#EXT-X-VERSION:6$/m);
    expect(replay.stdout).toMatch(/^#EXT-X-MAP:URI="http[^"]*\/cam-f\/init\/[0-9a-f]{8}-avc1-v1\.mp4\?/m);
    const list = join(tmp.path, "replay-fmp4.m3u8");
    // (Fed faster than real time the recording may end in the future: an EVENT playlist ffmpeg would wait on.)
    writeFileSync(list, replay.stdout.includes("#EXT-X-ENDLIST") ? replay.stdout : replay.stdout + "#EXT-X-ENDLIST\n");
    const decoded = await run("ffmpeg", ["-nostdin", "-v", "error", "-xerror", "-protocol_whitelist", "file,http,tcp", "-i", list, "-map", "0:v:0", "-f", "framecrc", "-"], { maxBuffer: 64 << 20, timeout: 30_000 });
    expect(decoded.stderr).toBe("");
    expect(decoded.stdout.split("\n").filter((line) => /^\d+,/.test(line))).toHaveLength(250);
    expect(await push([video, "--container", "mp4", "--bucket", bucket], {}).then((r) => [r.code, r.stderr.trim()])).toEqual([2, expect.stringContaining("--container must be ts or fmp4")]);
  });

  it("prints the UTC range it recorded and an `ipc-hls playlist` command that, run as printed, replays segments that decode (no --path-style for an IP endpoint)", async () => {
    const m = minio();
    const bucket = await freshBucket("push-replay");
    const env = { AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey };
    const video = fixturePath("sample/sample-640x360-25fps.h264");
    const audio = fixturePath("sample/sample-48000-mono.aac");
    const res = await push([video, "--audio", audio, "--fps", "25", "--bucket", bucket, "--prefix", "yard/cam 2", "--endpoint", m.endpoint, "--region", "us-east-1"], env);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout + res.stderr).not.toContain(m.secretAccessKey);

    const keys = (await objects(bucket)).map((o) => parseSegmentKey(o.key)!).sort((a, b) => a.startMs - b.startMs);
    expect(keys).toHaveLength(5);
    const from = new Date(keys[0]!.startMs).toISOString();
    const to = new Date(keys[4]!.startMs + keys[4]!.durationMs).toISOString();
    expect(res.stdout).toContain(`recorded:   ${from} → ${to} (UTC`);
    const command = /^ {2}replay: {5}(ipc-hls playlist .*)$/m.exec(res.stdout)?.[1];
    expect(command).toBe(`ipc-hls playlist --bucket ${bucket} --prefix 'yard/cam 2' --from ${from} --to ${to} --endpoint ${m.endpoint} --region us-east-1`);

    // Run exactly what was printed, through a shell, with `ipc-hls` being this checkout's command.
    const replay = await run("bash", ["-c", `ipc-hls() { "${process.execPath}" "${join(repoRoot, "bin/ipc-hls")}" "$@"; }\n${command}`], {
      env: { ...process.env, ...env } as NodeJS.ProcessEnv,
    });
    const parser = new Parser();
    parser.push(replay.stdout);
    parser.end();
    // (Fed faster than real time, the clip's segments are stamped up to 10 s ahead: VOD or EVENT depends on when.)
    const manifest = parser.manifest as { segments: { uri: string }[] };
    expect(manifest.segments).toHaveLength(5);
    for (const [i, segment] of manifest.segments.entries()) {
      const answer = await fetch(segment.uri);
      expect(answer.status).toBe(200);
      const file = join(tmp.path, `replay-${i}.ts`);
      writeFileSync(file, new Uint8Array(await answer.arrayBuffer()));
      expect(await decodeErrors(file), segment.uri).toBe("");
    }
  });

  it("--spill: segments the store refuses wait on disk (exit 1, none lost); the next push with the directory uploads them", async () => {
    const m = minio();
    const bucket = await freshBucket("push-spill");
    const dir = join(tmp.path, "spill");
    const video = fixturePath("sample/sample-640x360-25fps.h264");
    const env = { AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey };
    const proxy = await startFaultProxy(m.endpoint);
    try {
      // The bucket check passes; every upload is refused until the deadline.
      proxy.setScript((_, req) => (req.method === "PUT" ? { status: 503, code: "ServiceUnavailable" } : "pass"));
      const first = await push([video, "--fps", "25", "--bucket", bucket, "--prefix", "cam-s", "--endpoint", proxy.endpoint, "--path-style", "--spill", dir, "--deadline", "0.5"], env);
      expect(first.code).toBe(1);
      expect(first.stdout).toMatch(/5 made, 0 uploaded, 0 lost/);
      expect(first.stdout).toMatch(/5 spilled, 0 uploaded from .*, 5 waiting there/);
      expect(readdirSync(dir).filter((f) => f.endsWith(".ts"))).toHaveLength(5);

      proxy.setScript(() => "pass");
      const second = await push([video, "--fps", "25", "--bucket", bucket, "--prefix", "cam-s", "--endpoint", proxy.endpoint, "--path-style", "--spill", dir], env);
      expect(second.code).toBe(0);
      expect(second.stdout).toMatch(/0 waiting there/);
      const stored = await objects(bucket);
      expect(stored).toHaveLength(10);
      const sessions = new Set(stored.map((o) => parseSegmentKey(o.key)!.session));
      expect(sessions.size).toBe(2);
      const muxed = await ipcHlsMux(video, "25", join(tmp.path, "mux-spill"));
      for (const o of stored) expect(o.bytes.equals(readFileSync(join(muxed.outDir, muxed.tsFiles[parseSegmentKey(o.key)!.seq]!)))).toBe(true);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it("with a wrong secret: one line naming the refusal, without the secret, before anything is recorded; exit code 1", async () => {
    const m = minio();
    const bucket = await freshBucket("push");
    const wrong = "not-the-secret-7c1d9a44e0";
    const res = await push(
      [fixturePath("video/baseline-320x240-25fps.h264"), "--fps", "25", "--bucket", bucket, "--endpoint", m.endpoint, "--path-style", "--deadline", "1"],
      { AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: wrong, AWS_SESSION_TOKEN: "token-that-must-not-leak" },
    );
    expect(res.code).toBe(1);
    const output = res.stdout + res.stderr;
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(/credentials refused \((SignatureDoesNotMatch|InvalidAccessKeyId|InvalidToken|InvalidTokenId)\)/);
    expect(output).not.toContain(wrong);
    expect(output).not.toContain("token-that-must-not-leak");
    expect(await objects(bucket)).toEqual([]);
  });

  it.each([
    { mistake: "a missing bucket", args: (endpoint: string) => ["--bucket", "no-such-bucket-here", "--endpoint", endpoint, "--path-style"], message: /bucket does not exist/, code: 1 },
    { mistake: "an endpoint nobody answers on", args: () => ["--bucket", "some-bucket", "--endpoint", "http://127.0.0.1:9", "--path-style"], message: /cannot reach the store \(ECONNREFUSED\)/, code: 1 },
    { mistake: "a missing input file", args: () => ["--bucket", "some-bucket"], input: "no/such/file.h264", message: /not found/, code: 2 },
    { mistake: "a bad frame rate", args: () => ["--bucket", "some-bucket"], fps: "fast", message: /bad --fps/, code: 2 },
  ])("$mistake: one clear line on stderr and exit code $code", async ({ args, input, fps, message, code }) => {
    const m = minio();
    const res = await push([input ?? fixturePath("video/baseline-320x240-25fps.h264"), "--fps", fps ?? "25", ...args(m.endpoint)], {
      AWS_ACCESS_KEY_ID: m.accessKeyId,
      AWS_SECRET_ACCESS_KEY: m.secretAccessKey,
    });
    expect(res.code).toBe(code);
    expect(res.stderr.trim().split("\n")).toHaveLength(1);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).not.toMatch(/\n\s+at /);
    expect(res.stdout + res.stderr).not.toContain(m.secretAccessKey);
  });

  it("without credentials in the environment: a usage error, exit code 2", async () => {
    const res = await push([fixturePath("video/baseline-320x240-25fps.h264"), "--fps", "25", "--bucket", "b-x"], {});
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/AWS_ACCESS_KEY_ID/);
  });
});
