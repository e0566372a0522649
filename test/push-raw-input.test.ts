// `ipc-hls push` with the raw-input checks, against MinIO: without --fps it uploads what `ipc-hls mux` writes with
// the stream's rate; a stream without timing and no --fps, or an audio file with no usable ADTS, stop it before any
// upload with one line (exit 2 and 1); a --fps that disagrees with the stream warns.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { freshBucket, minio, referenceClient } from "./support/minio.js";
import { fixturePath, repoRoot, tempDir } from "./support/media-tools.js";
import { ipcHlsMux } from "./support/mux-run.js";
import { stripVui } from "./support/strip-vui.js";
import { parseSegmentKey } from "../src/keys.js";

const run = promisify(execFile);
const tmp = tempDir("push-raw-input-");
afterAll(() => tmp.cleanup());
const VIDEO = fixturePath("video/av-1280x720-25fps.h264");
const AUDIO = fixturePath("audio/aac-lc-48000-mono.aac");

beforeAll(() => {
  writeFileSync(join(tmp.path, "no-vui.h264"), stripVui(new Uint8Array(readFileSync(fixturePath("video/baseline-320x240-25fps.h264")))));
  writeFileSync(join(tmp.path, "not-audio.aac"), readFileSync(fixturePath("video/baseline-320x240-25fps.h264")));
});

async function push(args: string[]) {
  const m = minio();
  const bucket = await freshBucket("raw");
  const env = { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey, AWS_SESSION_TOKEN: undefined };
  const argv = [join(repoRoot, "bin/ipc-hls"), "push", ...args, "--bucket", bucket, "--prefix", "cam", "--endpoint", m.endpoint, "--path-style"];
  let result: { code: number; stdout: string; stderr: string };
  try {
    const { stdout, stderr } = await run(process.execPath, argv, { env: env as NodeJS.ProcessEnv });
    result = { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    result = { code: typeof e.code === "number" ? e.code : -1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
  const s3 = referenceClient();
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
  const objects: { key: string; bytes: Buffer }[] = [];
  for (const o of listed.Contents ?? []) {
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: o.Key! }));
    objects.push({ key: o.Key!, bytes: Buffer.from(await got.Body!.transformToByteArray()) });
  }
  objects.sort((a, b) => parseSegmentKey(a.key)!.seq - parseSegmentKey(b.key)!.seq);
  return { ...result, objects };
}

describe("ipc-hls push and the raw inputs", () => {
  it("without --fps: the stream's rate, the same bytes as ipc-hls mux --fps 25", async () => {
    const r = await push([VIDEO, "--audio", AUDIO]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/warning/);
    const muxed = await ipcHlsMux(VIDEO, "25", join(tmp.path, "mux"), ["--audio", AUDIO]);
    expect(r.objects.length).toBe(muxed.tsFiles.length);
    r.objects.forEach((o, i) => expect(o.bytes.equals(readFileSync(join(muxed.outDir, muxed.tsFiles[i]!))), o.key).toBe(true));
  });

  it("a stream without VUI timing and no --fps: exit 2 asking for it, nothing uploaded", async () => {
    const r = await push([join(tmp.path, "no-vui.h264")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^ipc-hls push: --fps is required: the stream's SPS carries no frame rate/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.objects).toEqual([]);
  });

  it("an H.264 file as --audio: exit 1 with one line, nothing uploaded", async () => {
    const r = await push([VIDEO, "--audio", join(tmp.path, "not-audio.aac")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ipc-hls push: no ADTS AAC frame found in .*not-audio\.aac/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.objects).toEqual([]);
  });

  it("--fps 30 for a 25 fps stream: uploaded, with the warning", async () => {
    const r = await push([VIDEO, "--fps", "30"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("warning: --fps 30 disagrees with the stream's own frame rate 25 (its SPS): timed at --fps\n");
    expect(r.objects.length).toBeGreaterThan(0);
  });
});
