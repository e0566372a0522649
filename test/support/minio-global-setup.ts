// Starts one MinIO server (a real S3 implementation that verifies SigV4 signatures) for the whole test run,
// on 127.0.0.1 with a temporary data directory, and stops it afterwards. Tests get its address through
// inject("minio") (see test/support/minio.ts).
import { spawn, type ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createServer } from "node:net";
import type { TestProject } from "vitest/node";

export interface MinioInfo {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
}

declare module "vitest" {
  export interface ProvidedContext {
    minio: MinioInfo;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

function findMinio(): string {
  const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim();
  const candidate = join(gopath, "bin", "minio");
  if (existsSync(candidate)) return candidate;
  return "minio";
}

let proc: ChildProcess | undefined;
let dataDir: string | undefined;

export async function setup(project: TestProject) {
  const port = await freePort();
  const consolePort = await freePort();
  dataDir = mkdtempSync(join(tmpdir(), "ipc-hls-minio-"));
  const info: MinioInfo = {
    endpoint: `http://127.0.0.1:${port}`,
    accessKeyId: "ipchlstestadmin",
    secretAccessKey: "ipchlstestsecret-not-for-production",
    region: "us-east-1",
  };
  proc = spawn(
    findMinio(),
    ["server", dataDir, "--quiet", "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`],
    {
      env: { ...process.env, MINIO_ROOT_USER: info.accessKeyId, MINIO_ROOT_PASSWORD: info.secretAccessKey, MINIO_REGION: info.region, MINIO_BROWSER: "off",
        // Virtual-hosted requests (bucket.localhost:port) too, for the addressing test; path style keeps working.
        MINIO_DOMAIN: "localhost" },
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  let stderr = "";
  proc.stderr!.on("data", (d) => (stderr += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`MinIO exited early (${proc.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${info.endpoint}/minio/health/live`);
      if (res.ok) break;
    } catch {
      /* not up yet */
    }
    if (Date.now() > deadline) throw new Error(`MinIO did not start in 60 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  project.provide("minio", info);
}

export async function teardown() {
  if (proc && proc.exitCode === null) {
    proc.kill("SIGTERM");
    await new Promise((r) => proc!.once("exit", r));
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}
