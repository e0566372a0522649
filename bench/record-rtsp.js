// @ts-check
// `ipc-hls record` of real RTSP cameras (GStreamer's test server, test/support/rtsp_server.py: 1280×720 H.264 at
// 5 Mbps + AAC, over TCP) into the bench's MinIO, each run a separate process measured from /proc:
//   one camera  our process beside two peers, the three at once on the same server (each its own session), so
//               they share the machine's noise: ffmpeg's own RTSP client doing the same job without the upload
//               (-rtsp_transport tcp -c copy -f hls -hls_time 2 into a directory), and Node's floor, a bare reader
//               that only counts the bytes (bench/rtsp-bare-reader.js), twice: reading in batches every
//               READ_BATCH_MS into READ_BYTES as our client does, and at every arrival into 64 KiB (as our client
//               did before); measured after a
//               warm-up long enough for V8 to optimize the per-frame code (it does so after a few thousand calls:
//               ≈ a minute at 25 fps). --baseline DIR adds DIR/bin/ipc-hls (another build, e.g. the commit before a
//               change) to the same rounds.
//   scale       N cameras in one process (`record --config`) on a server whose mount is shared (one encoder for all
//               clients), N doubling until a run falls behind; CPU of our process, MinIO and the RTSP server
//   profile     optionally a --cpu-prof of our process at one count, summarised by function (self time)
//   floors      (--floors 0,50,100,…, alone) the bare reader at several --batch-ms intervals, all at once on one
//               shared mount, per round: what reading the socket every N ms instead of at each arrival saves
// Standalone: node bench/record-rtsp.js [--seconds S] [--warmup S] [--rounds R] [--scale-seconds S] [--max N] [--profile N [--keep-profile FILE]] [--baseline DIR]
//             node bench/record-rtsp.js --floors 0,50,100,250 [--seconds S] [--warmup S] [--rounds R]
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Connection } from "../dist/index.js";
import { READ_BATCH_MS, READ_BYTES } from "../dist/rtsp/connection.js";
import { findMinio, freePort, startMinio } from "./minio.js";
import { summary } from "./stats.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const SERVER = join(ROOT, "test/support/rtsp_server.py");
const BARE_READER = join(ROOT, "bench/rtsp-bare-reader.js");
const CLI = join(ROOT, "bin/ipc-hls");
const FPS = 25;
const SEGMENT_S = 2;
const WARMUP_MS = 4000; // connect, first IDR, first segment: not in the measured window

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + system) the process has used so far, from /proc (Linux). */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** VmHWM (peak RSS) and VmRSS in bytes. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = (key) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1]) * 1024;
    return { peak: kib("VmHWM"), now: kib("VmRSS") };
  } catch {
    return { peak: NaN, now: NaN };
  }
}

/** GStreamer's RTSP server at 1280×720 5 Mbps; resolves to { url(path), pid, stop() }. */
async function startRtspServer({ shared }) {
  const proc = spawn("/usr/bin/python3", [SERVER, "--size", "1280x720", "--bitrate", "5000", ...(shared ? ["--shared"] : [])], { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  proc.stderr.on("data", (d) => (stderr += d));
  const port = await new Promise((resolve, reject) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = /ready (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    proc.once("exit", (code) => reject(new Error(`rtsp_server.py exited (${code}): ${stderr}`)));
  });
  return {
    url: (path) => `rtsp://127.0.0.1:${port}${path}`,
    pid: proc.pid,
    stop: () => stopProcess(proc),
  };
}

/** SIGINT, then SIGKILL after 20 s; resolves when it has exited. */
async function stopProcess(proc, signal = "SIGINT") {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once("exit", resolve));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
  await exited;
  clearTimeout(timer);
}

/** Prometheus text → { [camera]: { metric: value } } for the ipc_hls_* families. */
async function scrape(port) {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const cameras = {};
  for (const line of text.split("\n")) {
    const m = /^ipc_hls_(\w+)\{camera="([^"]+)"(?:,track="(\w+)")?\} (\S+)$/.exec(line);
    if (!m) continue;
    const [, name, camera, track, value] = m;
    (cameras[camera] ??= {})[track ? `${name}_${track}` : name] = Number(value);
  }
  return cameras;
}

/**
 * Runs a child for warm-up + `seconds`, measuring CPU over the window (and of `others`: pids beside it) and its
 * peak RSS; `during(t)` is called at the window's start and end (t = "start" | "end").
 */
/** @param {(t: "start" | "end") => Promise<void>} [during] */
async function measure(proc, seconds, others = {}, during = async () => {}, warmupMs = WARMUP_MS) {
  let stderr = "";
  proc.stderr?.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
  await sleep(warmupMs);
  if (proc.exitCode !== null) throw new Error(`${proc.spawnfile} exited early (${proc.exitCode}): ${stderr}`);
  await during("start");
  const c0 = cpuSecondsOf(proc.pid);
  const o0 = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, cpuSecondsOf(pid)]));
  const t0 = performance.now();
  const rss = [];
  while (performance.now() - t0 < seconds * 1000) {
    await sleep(500);
    rss.push(memoryOf(proc.pid).now);
  }
  const wall = (performance.now() - t0) / 1000;
  const cpu = cpuSecondsOf(proc.pid) - c0;
  const othersPct = Object.fromEntries(Object.entries(others).map(([k, pid]) => [k, ((cpuSecondsOf(pid) - o0[k]) / wall) * 100]));
  await during("end");
  const { peak } = memoryOf(proc.pid);
  return { seconds: wall, cpuPercentOfOneCore: (cpu / wall) * 100, peakRssBytes: peak, rssMedianBytes: summary(rss).median, others: othersPct, stderr };
}

/** @param {{ seconds: number, warmupSeconds: number, rounds: number, scaleSeconds: number, startCameras?: number, maxCameras: number, profileAt?: number, keepProfile?: string, baseline?: string, log: (m: string) => void }} o */
export async function measureRecordRtsp({ seconds, warmupSeconds, rounds, scaleSeconds, startCameras = 16, maxCameras, profileAt, keepProfile, baseline, log }) {
  const binary = findMinio();
  if (!binary) return { skipped: "no MinIO binary" };
  const minio = await startMinio(binary);
  const work = mkdtempSync(join(tmpdir(), "ipc-hls-bench-record-"));
  const env = { ...process.env, AWS_ACCESS_KEY_ID: minio.credentials.accessKeyId, AWS_SECRET_ACCESS_KEY: minio.credentials.secretAccessKey };
  let buckets = 0;
  const bucket = async () => {
    const name = `rec-${process.pid}-${buckets++}`;
    const location = { region: minio.region, bucket: name, endpoint: minio.endpoint, forcePathStyle: true };
    const connection = new S3Connection({ location, credentials: async () => minio.credentials });
    await connection.send({ method: "PUT" });
    connection.close();
    return name;
  };
  const servers = [];
  try {
    // ---- one camera: ours, ffmpeg's client and Node's floor, side by side ----
    const perSession = await startRtspServer({ shared: false });
    servers.push(perSession);
    const ours = [];
    const before = [];
    const ffmpeg = [];
    const bare = [];
    const bareUnbatched = [];
    const recorder = async (cli) => {
      const metricsPort = await freePort();
      const args = [cli, "record", perSession.url("/av"), "--name", "cam", "--bucket", await bucket(), "--endpoint", minio.endpoint, "--path-style", "--region", minio.region, "--metrics", String(metricsPort), "--status-interval", "0"];
      const proc = spawn(process.execPath, args, { env, stdio: ["ignore", "ignore", "pipe"] });
      /** @type {Record<string, number> | undefined} */
      let metrics;
      const measured = measure(proc, seconds, { minio: minio.pid, rtspServer: perSession.pid }, async (t) => {
        if (t === "end") metrics = (await scrape(metricsPort)).cam;
      }, warmupSeconds * 1000);
      return { proc, result: async () => ({ ...(await measured), segmentsUploaded: metrics?.segments_uploaded_total, segmentsDropped: metrics?.segments_dropped_total, exitCode: proc.exitCode }) };
    };
    const bareReader = (batchMs, readBytes) => {
      const { proc } = startBareReader(perSession.url("/av"), batchMs, readBytes);
      const measured = measure(proc, seconds, {}, undefined, warmupSeconds * 1000);
      return { proc, result: () => measured };
    };
    for (let r = 0; r < rounds; r++) {
      log(`record one RTSP camera, round ${r + 1}/${rounds}: ipc-hls record → MinIO${baseline ? ` (and ${baseline}'s)` : ""}, ffmpeg's client and two bare Node readers (batched every ${READ_BATCH_MS} ms, and not) at once, ${warmupSeconds} s warm-up + ${seconds} s...`);
      const out = mkdtempSync(join(work, "ffmpeg-"));
      const ff = spawn("ffmpeg", ["-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", perSession.url("/av"), "-c", "copy", "-f", "hls", "-hls_time", String(SEGMENT_S), join(out, "x.m3u8")], { stdio: ["ignore", "ignore", "pipe"] });
      const ffMeasured = measure(ff, seconds, {}, undefined, warmupSeconds * 1000);
      const runs = [await recorder(CLI), bareReader(READ_BATCH_MS, READ_BYTES), bareReader(0, 64 * 1024), ...(baseline ? [await recorder(join(baseline, "bin/ipc-hls"))] : [])];
      const [f, m, b, u, o] = await Promise.all([ffMeasured, ...runs.map((x) => x.result())]);
      await Promise.all([stopProcess(ff), ...runs.map((x) => stopProcess(x.proc))]);
      ours.push({ ...m, exitCode: runs[0].proc.exitCode });
      if (o) before.push({ ...o, exitCode: runs[3].proc.exitCode });
      ffmpeg.push({ ...f, segments: readdirSync(out).filter((n) => n.endsWith(".ts")).length });
      bare.push(b);
      bareUnbatched.push(u);
      rmSync(out, { recursive: true, force: true });
    }
    await perSession.stop();
    servers.pop();
    const one = !rounds ? undefined : {
      warmupSeconds,
      readBatchMs: READ_BATCH_MS,
      ours: summarize(ours),
      ...(before.length ? { baseline: { dir: baseline, ...summarize(before) }, cpuRatioToBaseline: summaryOf(ours.map((o, i) => o.cpuPercentOfOneCore / before[i].cpuPercentOfOneCore)) } : {}),
      ffmpeg: summarize(ffmpeg),
      nodeFloor: summarize(bare),
      nodeFloorUnbatched: summarize(bareUnbatched),
      cpuRatio: summaryOf(ours.map((o, i) => o.cpuPercentOfOneCore / ffmpeg[i].cpuPercentOfOneCore)),
      rssRatio: summaryOf(ours.map((o, i) => o.peakRssBytes / ffmpeg[i].peakRssBytes)),
      cpuAboveNodeFloor: summaryOf(ours.map((o, i) => o.cpuPercentOfOneCore - bare[i].cpuPercentOfOneCore)),
      rounds: ours.map((o, i) => ({ ours: trim(o), ...(before[i] ? { baseline: trim(before[i]) } : {}), ffmpeg: trim(ffmpeg[i]), nodeFloor: trim(bare[i]), nodeFloorUnbatched: trim(bareUnbatched[i]) })),
    };

    // ---- scale: N cameras on one shared mount ----
    // A fresh server per step: one that failed under a count must not fail the next step too.
    const runCameras = async (n, profileDir) => {
      const shared = await startRtspServer({ shared: true });
      servers.push(shared);
      try {
        return await recordFrom(shared, n, profileDir);
      } finally {
        await shared.stop();
        servers.splice(servers.indexOf(shared), 1);
      }
    };
    const recordFrom = async (shared, n, profileDir) => {
      const metricsPort = await freePort();
      const config = {
        defaults: { bucket: await bucket(), region: minio.region, endpoint: minio.endpoint, pathStyle: true },
        metrics: metricsPort,
        cameras: Array.from({ length: n }, (_, c) => ({ name: `cam${c}`, source: shared.url("/av") })),
      };
      const file = join(work, `cameras-${n}.json`);
      writeFileSync(file, JSON.stringify(config));
      const nodeFlags = profileDir ? ["--cpu-prof", "--cpu-prof-dir", profileDir] : [];
      const proc = spawn(process.execPath, [...nodeFlags, CLI, "record", "--config", file, "--status-interval", "0"], { env, stdio: ["ignore", "ignore", "pipe"] });
      /** @type {{ start?: any, end?: any }} */
      const snapshots = {};
      const m = await measure(proc, scaleSeconds, { minio: minio.pid, rtspServer: shared.pid }, async (t) => {
        snapshots[t] = await scrape(metricsPort);
      });
      await stopProcess(proc);
      return { n, ...m, ...judge(n, snapshots, m.seconds) };
    };
    const steps = [];
    let good = 0;
    let bad = 0;
    for (let n = startCameras; n <= maxCameras; n *= 2) {
      log(`record N RTSP cameras from one shared mount: ${n} cameras, ${scaleSeconds} s...`);
      const r = await runCameras(n);
      steps.push(r);
      if (!r.keptUp) {
        bad = n;
        break;
      }
      good = n;
    }
    if (bad && good && bad - good > 1) {
      const n = Math.round((good + bad) / 2);
      log(`record N RTSP cameras from one shared mount: ${n} cameras, ${scaleSeconds} s...`);
      const r = await runCameras(n);
      steps.push(r);
      if (r.keptUp) good = n;
    }
    let profile;
    if (profileAt) {
      const dir = mkdtempSync(join(work, "prof-"));
      log(`record ${profileAt} RTSP cameras with --cpu-prof, ${scaleSeconds} s...`);
      const r = await runCameras(profileAt, dir);
      const file = readdirSync(dir).find((n) => n.endsWith(".cpuprofile"));
      if (file && keepProfile) writeFileSync(keepProfile, readFileSync(join(dir, file)));
      profile = { cameras: profileAt, keptUp: r.keptUp, cpuPercentOfOneCore: r.cpuPercentOfOneCore, top: file ? summarizeProfile(JSON.parse(readFileSync(join(dir, file), "utf8"))) : [] };
    }
    return { one, scale: { maxCamerasKeptUp: good, firstBehind: bad || undefined, steps: steps.map(trimStep) }, profile };
  } finally {
    for (const s of servers) await s.stop();
    await minio.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Starts bench/rtsp-bare-reader.js on url (reading every batchMs, 0: at every arrival, into readBytes); `report()`
 * is what it printed when stopped: { bytes, reads, seconds }, or {} before.
 */
function startBareReader(url, batchMs, readBytes = 64 * 1024) {
  const proc = spawn(process.execPath, [BARE_READER, url, "--batch-ms", String(batchMs), "--read-kib", String(readBytes / 1024)], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout.on("data", (d) => (out += d));
  return { proc, report: () => JSON.parse(out || "{}") };
}

/**
 * Node's floor at each read batching interval (bench/rtsp-bare-reader.js --batch-ms N), the readers of a round
 * running at once on one shared mount (one encoder: the server's load does not grow with the count) so that they
 * share the machine's noise; CPU over the window after the warm-up, and reads per second over the reader's life.
 * @param {{ batches: number[], seconds: number, warmupSeconds: number, rounds: number, log: (m: string) => void }} o
 */
export async function measureReaderFloors({ batches, seconds, warmupSeconds, rounds, log }) {
  const server = await startRtspServer({ shared: true });
  const runs = batches.map(() => []);
  try {
    for (let r = 0; r < rounds; r++) {
      log(`bare RTSP readers at --batch-ms ${batches.join(", ")} at once, round ${r + 1}/${rounds}: ${warmupSeconds} s warm-up + ${seconds} s...`);
      const readers = batches.map((ms) => startBareReader(server.url("/av"), ms));
      const measured = await Promise.all(readers.map(({ proc }) => measure(proc, seconds, {}, undefined, warmupSeconds * 1000)));
      await Promise.all(readers.map(({ proc }) => stopProcess(proc)));
      readers.forEach(({ report }, i) => {
        const { bytes, reads, seconds: alive } = report();
        runs[i].push({ ...measured[i], readsPerSecond: reads / alive, bitsPerSecond: (bytes * 8) / alive });
      });
    }
  } finally {
    await server.stop();
  }
  return batches.map((ms, i) => ({
    batchMs: ms,
    ...summarize(runs[i]),
    readsPerSecond: summaryOf(runs[i].map((r) => r.readsPerSecond)),
    mbps: summaryOf(runs[i].map((r) => r.bitsPerSecond / 1e6)),
    rounds: runs[i].map((r) => round(r.cpuPercentOfOneCore, 3)),
  }));
}

/**
 * Kept up over the window: every camera up, no segment dropped, frames taken at the camera's rate (≥ 95 % of
 * 25 fps: a process that cannot keep up reads its sockets late and the frames back up), and uploads at most
 * 3 segments behind at the end (last stored ≤ 3 segment durations ago). Also the median rate, how many cameras
 * were under 95 %, the slowest one's frames and reconnects, and the frames lost at the source (the server dropped
 * packets): whether one camera or all fell behind, and how.
 */
function judge(n, /** @type {{ start?: any, end?: any }} */ { start, end }, seconds) {
  const rates = [];
  let slowest;
  let dropped = 0;
  let uploaded = 0;
  let down = 0;
  let lagMax = 0;
  let sourceFramesLost = 0; // (damaged by RTP packets missing: the server dropped them)
  for (let c = 0; c < n; c++) {
    const a = start?.[`cam${c}`] ?? {};
    const b = end?.[`cam${c}`] ?? {};
    rates.push(((b.frames_in_total_video ?? 0) - (a.frames_in_total_video ?? 0)) / (FPS * seconds));
    const lost = (b.source_frames_lost_total ?? 0) - (a.source_frames_lost_total ?? 0);
    sourceFramesLost += lost;
    if (!slowest || rates[c] < rates[slowest.camera]) slowest = { camera: c, framesAtStart: a.frames_in_total_video ?? 0, framesAtEnd: b.frames_in_total_video ?? 0, sourceFramesLost: lost, reconnects: b.reconnects_total ?? 0 };
    dropped += b.segments_dropped_total ?? 0;
    uploaded += (b.segments_uploaded_total ?? 0) - (a.segments_uploaded_total ?? 0);
    if (!b.up) down++;
    lagMax = Math.max(lagMax, b.seconds_since_last_upload ?? Infinity);
  }
  const { min: framesMin, median: framesMedian } = summary(rates);
  const keptUp = down === 0 && dropped === 0 && framesMin >= 0.95 && lagMax <= 3 * SEGMENT_S;
  return { keptUp, framesRateMin: framesMin, framesRateMedian: framesMedian, camerasBelow95: rates.filter((r) => r < 0.95).length, slowest, sourceFramesLost, segmentsDropped: dropped, segmentsUploaded: uploaded, camerasDown: down, secondsSinceUploadMax: lagMax };
}

/** Self time by function (name + file:line), the top 15, as % of the busy samples (idle left out). */
function summarizeProfile(profile) {
  const self = new Map();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  let total = 0;
  for (const [id, count] of counts) {
    const f = byId.get(id).callFrame;
    if (f.functionName === "(idle)") continue;
    total += count;
    const file = f.url ? f.url.replace(/^.*\/(dist|node_modules)\//, "$1/").replace(/^node:/, "node:") : "";
    const key = `${f.functionName || "(anonymous)"} ${file}${file ? `:${f.lineNumber + 1}` : ""}`;
    self.set(key, (self.get(key) ?? 0) + count);
  }
  return [...self].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([fn, count]) => ({ fn, selfPct: round((count / total) * 100, 1) }));
}

function summaryOf(values) {
  const s = summary(values);
  return { median: round(s.median, 3), min: round(s.min, 3), max: round(s.max, 3) };
}
function summarize(runs) {
  return { cpuPercentOfOneCore: summaryOf(runs.map((r) => r.cpuPercentOfOneCore)), peakRssBytes: summaryOf(runs.map((r) => r.peakRssBytes)) };
}
function trim(r) {
  const { stderr, ...rest } = r;
  return { ...rest, cpuPercentOfOneCore: round(r.cpuPercentOfOneCore, 2), others: Object.fromEntries(Object.entries(r.others).map(([k, v]) => [k, round(v, 1)])) };
}
function trimStep(s) {
  const { stderr, ...rest } = trim(s);
  return { ...rest, framesRateMin: round(s.framesRateMin, 3), framesRateMedian: round(s.framesRateMedian, 3) };
}
function round(x, digits) {
  if (!Number.isFinite(x)) return x;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const a = process.argv.slice(2);
  const v = (name, fallback) => (a.includes(name) ? Number(a[a.indexOf(name) + 1]) : fallback);
  const r = a.includes("--floors") ? await measureReaderFloors({
    batches: a[a.indexOf("--floors") + 1].split(",").map(Number),
    seconds: v("--seconds", 30),
    warmupSeconds: v("--warmup", 60),
    rounds: v("--rounds", 3),
    log: (m) => console.error(m),
  }) : await measureRecordRtsp({
    seconds: v("--seconds", 30),
    warmupSeconds: v("--warmup", 60),
    rounds: v("--rounds", 3),
    scaleSeconds: v("--scale-seconds", 20),
    startCameras: v("--start", 16),
    maxCameras: v("--max", 256),
    profileAt: v("--profile", 0),
    keepProfile: a.includes("--keep-profile") ? a[a.indexOf("--keep-profile") + 1] : undefined,
    baseline: a.includes("--baseline") ? a[a.indexOf("--baseline") + 1] : undefined,
    log: (m) => console.error(m),
  });
  console.log(JSON.stringify(r, null, 1));
}
