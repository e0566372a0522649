// @ts-check
// The bench's own MinIO: a free 127.0.0.1 port, a temporary data directory, removed afterwards.
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { get as httpGet } from "node:http";
import { get as httpsGet } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A free TCP port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

export function findMinio() {
  try {
    const gopath = execFileSync("go", ["env", "GOPATH"], { encoding: "utf8" }).trim();
    const candidate = join(gopath, "bin", "minio");
    if (existsSync(candidate)) return candidate;
  } catch {
    /* no go toolchain: try PATH */
  }
  try {
    execFileSync("minio", ["--version"], { stdio: "ignore" });
    return "minio";
  } catch {
    return undefined;
  }
}

/** Whether `url` answers 200 (`ca`: the PEM to trust for https). */
function answersOk(url, ca) {
  return new Promise((resolve) => {
    const get = url.startsWith("https:") ? httpsGet : httpGet;
    get(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    }).on("error", () => resolve(false));
  });
}

/**
 * Starts MinIO; resolves to { endpoint, region, credentials, caFile, ca, pid, stop() }. With `https`, MinIO serves TLS
 * with a certificate for 127.0.0.1 made here by openssl (RSA 2048, as S3's), to trust: `caFile` is its path (e.g.
 * NODE_EXTRA_CA_CERTS for a child), `ca` its PEM (e.g. `ca` for an S3Connection).
 */
export async function startMinio(binary, { https = false } = {}) {
  const port = await freePort();
  const consolePort = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), "ipc-hls-bench-minio-"));
  const certsDir = https ? mkdtempSync(join(tmpdir(), "ipc-hls-bench-minio-certs-")) : undefined;
  const caFile = certsDir && join(certsDir, "public.crt");
  if (certsDir) {
    execFileSync("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", join(certsDir, "private.key"), "-out", caFile,
      "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"], { stdio: "ignore" });
  }
  const ca = caFile && readFileSync(caFile, "utf8");
  const credentials = { accessKeyId: "ipchlsbench", secretAccessKey: "ipchlsbench-local-only" };
  const region = "us-east-1";
  const tls = certsDir ? ["--certs-dir", certsDir] : [];
  const proc = spawn(binary, ["server", dataDir, "--quiet", ...tls, "--address", `127.0.0.1:${port}`, "--console-address", `127.0.0.1:${consolePort}`], {
    env: { ...process.env, MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey, MINIO_REGION: region, MINIO_BROWSER: "off" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const endpoint = `${https ? "https" : "http"}://127.0.0.1:${port}`;
  /** Stops this MinIO (by its own process handle) and removes its data once it has exited. */
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      const exited = new Promise((resolve) => proc.once("exit", resolve));
      proc.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
    }
    rmSync(dataDir, { recursive: true, force: true, maxRetries: 3 });
    if (certsDir) rmSync(certsDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`MinIO exited early (${proc.exitCode}): ${stderr}`);
    if (await answersOk(`${endpoint}/minio/health/live`, ca)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`MinIO did not start in 60 s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { endpoint, region, credentials, caFile, ca, pid: proc.pid, stop };
}
