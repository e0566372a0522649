// Runs `ipc-hls record` as a user would, with our MinIO's credentials in the environment, collecting its output.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { minio } from "./minio.js";
import { repoRoot } from "./media-tools.js";

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
