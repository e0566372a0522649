// @ts-check
// Real-time rows: the SDK's CPU and RSS for one camera uploading to MinIO, and how many cameras one process
// keeps up with. Each measurement is a separate child process (bench/cameras.js) so RSS and CPU are its own.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { S3Connection } from "../dist/index.js";
import { findMinio, startMinio } from "./minio.js";
import { VIDEO_FILE, splitAccessUnits } from "./input.js";
import { RING_BYTES } from "./throughput.js";

const CHILD = fileURLToPath(new URL("./cameras.js", import.meta.url));
const SEGMENT_S = 2;

/** CPU ticks (user + system) MinIO has used so far, from /proc (Linux), to show what the store cost beside us. */
function cpuSecondsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

function runChild(options) {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHILD, JSON.stringify(options)], { maxBuffer: 1 << 20, timeout: (options.seconds + 120) * 1000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`cameras child failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()));
    });
  });
}

/**
 * A run keeps up when frames were handed over on time at the end (≤ 1 s late: no growing backlog in the
 * process), no segment was dropped or failed, and uploads were at most 3 segments behind at the end.
 */
export function keptUp(r) {
  return r.lateAtEndMs <= 1000 && r.segmentsDropped === 0 && r.uploadErrors === 0 && r.uploadLagAtEndMs <= 3 * SEGMENT_S * 1000 && r.segmentsUploaded === r.segmentsMade;
}

export async function measureRealtime({ cpuSeconds, scaleSeconds, startCameras = 4, maxCameras, log }) {
  const binary = findMinio();
  if (!binary) return { skipped: "no MinIO binary ($(go env GOPATH)/bin/minio or minio on PATH)" };
  const minio = await startMinio(binary);
  try {
    let buckets = 0;
    const bucket = async () => {
      const name = `bench-${process.pid}-${buckets++}`;
      // CreateBucket is a signed PUT on the bucket itself; our own S3 connection does it.
      const location = { region: minio.region, bucket: name, endpoint: minio.endpoint, forcePathStyle: true };
      const connection = new S3Connection({ location, credentials: async () => minio.credentials });
      await connection.send({ method: "PUT" });
      connection.close();
      return name;
    };
    const index = splitAccessUnits(readFileSync(VIDEO_FILE));
    const base = { endpoint: minio.endpoint, region: minio.region, credentials: minio.credentials, bufferSize: RING_BYTES };
    const measured = async (options) => {
      const m0 = cpuSecondsOf(minio.pid);
      const r = await runChild({ ...base, ...options, bucket: await bucket() });
      r.minioCpuPercentOfOneCore = ((cpuSecondsOf(minio.pid) - m0) / r.seconds) * 100; // includes the close() drain
      return r;
    };

    log(`one real-time camera for ${cpuSeconds} s (SDK + uploads to MinIO)...`);
    const one = await measured({ cameras: 1, seconds: cpuSeconds, lazy: true, index });
    log(`one real-time camera for ${cpuSeconds} s (SDK, segments discarded: no uploads)...`);
    const oneNoUpload = await measured({ cameras: 1, seconds: cpuSeconds, lazy: true, index, discard: true });
    log(`one camera's frames read and paced for ${cpuSeconds} s, not recorded (the feeder's own cost)...`);
    const feedOnly = await measured({ cameras: 1, seconds: cpuSeconds, lazy: true, index, discard: true, feedOnly: true });
    log(`one real-time camera for ${cpuSeconds} s with the store down (connection refused), spilling to a directory...`);
    const spillDir = mkdtempSync(join(tmpdir(), "ipc-hls-bench-spill-"));
    let outage;
    try {
      // Port 9 (discard) refuses on loopback: every upload fails at once and is retried with backoff.
      outage = await measured({ cameras: 1, seconds: cpuSeconds, lazy: true, index, endpoint: "http://127.0.0.1:9", spillDir, closeDeadlineMs: 1000 });
    } finally {
      rmSync(spillDir, { recursive: true, force: true });
    }

    // Scale: double the count until a run falls behind, then try once between the last two counts.
    const steps = [];
    let good = 0;
    let bad = 0;
    for (let n = startCameras; n <= maxCameras; n *= 2) {
      log(`scale: ${n} cameras for ${scaleSeconds} s...`);
      const r = await measured({ cameras: n, seconds: scaleSeconds, lazy: false, index });
      r.keptUp = keptUp(r);
      steps.push(r);
      if (!r.keptUp) {
        bad = n;
        break;
      }
      good = n;
    }
    if (bad && bad - good > 1) {
      const n = Math.round((good + bad) / 2);
      log(`scale: ${n} cameras for ${scaleSeconds} s...`);
      const r = await measured({ cameras: n, seconds: scaleSeconds, lazy: false, index });
      r.keptUp = keptUp(r);
      steps.push(r);
      if (r.keptUp) good = n;
    }
    return { one, oneNoUpload, feedOnly, outage, steps, maxCamerasKeptUp: good, firstBehind: bad || undefined, minio: binary };
  } finally {
    await minio.stop();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const r = await measureRealtime({ cpuSeconds: Number(process.argv[2] ?? 10), scaleSeconds: Number(process.argv[3] ?? 10), startCameras: Number(process.argv[5] ?? 1), maxCameras: Number(process.argv[4] ?? 4), log: (m) => console.error(m) });
  console.log(JSON.stringify(r, null, 1));
}
