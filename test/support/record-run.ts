// Runs `ipc-hls record` as a user would, with our MinIO's credentials in the environment, collecting its output.
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { minio } from "./minio.js";
import { decodeErrors, ffmpegRtspRecording, frameHashes, repoRoot } from "./media-tools.js";
import { directorySegments, playableFiles } from "./stored-segments.js";

export function startRecord(args: string[]) {
  const m = minio();
  const child = spawn(process.execPath, [join(repoRoot, "bin/ipc-hls"), "record", ...args], {
    env: { ...process.env, AWS_ACCESS_KEY_ID: m.accessKeyId, AWS_SECRET_ACCESS_KEY: m.secretAccessKey, AWS_SESSION_TOKEN: undefined },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (d) => (output.stdout += d));
  child.stderr.on("data", (d) => (output.stderr += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output, exited };
}

/**
 * `ipc-hls record <url> --transport udp` into `dir` for 10 s of a server mount that drops packets, then Ctrl-C: exit
 * code 0, RTP over UDP said, frames lost at the source counted, every stored segment (fMP4 joined to its init)
 * decodes under ffmpeg -xerror, and every picture decoded from them is one of the pictures ffmpeg's own client
 * records from `losslessUrl` (the same encoder without the loss; each session starts at frame 0): damaged frames,
 * and those after them until the next keyframe, were not recorded. The last check is what catches a frame recorded
 * after a lost reference: ffmpeg's H.264 decoder conceals a missing reference without an error, but the concealed
 * picture is not one the camera sent.
 */
export async function expectLossyUdpRecording(url: string, losslessUrl: string, dir: string, codec: "H.264" | "H.265", minSegments: number): Promise<void> {
  // The reference first, alone (see ffmpegRtspRecording).
  const sentPictures = new Set(await frameHashes(await ffmpegRtspRecording(losslessUrl, 15, `${dir}-reference.ts`)));
  const record = startRecord([url, "--transport", "udp", "--name", "lossy", "--store", dir, "--metrics", "0"]);
  const recording = new RegExp(`lossy: recording: ${codec.replace(".", "\\.")}`);
  while (!recording.test(record.output.stdout)) await new Promise((resolve) => setTimeout(resolve, 100));
  await new Promise((resolve) => setTimeout(resolve, 10_000));
  // The losses in the metrics (read by a Prometheus text parser we did not write) just before the stop: the
  // summary's count, at most what was lost since.
  const metricsUrl = /metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(record.output.stdout)![1]!;
  const families = parsePrometheusTextFormat(await (await fetch(metricsUrl)).text());
  const lostBeforeStop = Number(families.find((f) => f.name === "ipc_hls_source_frames_lost_total")?.metrics[0]?.value);
  record.child.kill("SIGINT");
  const code = await record.exited;
  const { stdout, stderr } = record.output;
  expect(code, stderr).toBe(0);
  expect(stdout).toMatch(/RTP over UDP/);
  const lostInSummary = Number(/(\d+) lost at the source/.exec(stdout)![1]);
  expect(lostBeforeStop).toBeGreaterThan(0);
  expect(lostInSummary).toBeGreaterThanOrEqual(lostBeforeStop);
  const stored = directorySegments(dir);
  expect(stored.keys.length).toBeGreaterThanOrEqual(minSegments);
  const playable = `${dir}-playable`;
  mkdirSync(playable);
  let pictures = 0;
  for (const file of playableFiles(stored, playable)) {
    expect(await decodeErrors(file), file).toBe("");
    const notSent = (await frameHashes(file)).filter((hash) => (pictures++, !sentPictures.has(hash)));
    expect(notSent, `${file}: pictures the camera did not send`).toEqual([]);
  }
  expect(pictures, "pictures recorded").toBeGreaterThan(0);
}
