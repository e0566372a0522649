// @ts-check
// Child process: N real-time 5 Mbps cameras through the SDK (HlsRecorder) uploading to S3 (the bench's MinIO).
// Each camera gets its frames at 25 fps wall-clock pace (cameras staggered inside the 40 ms frame interval);
// the process reports its CPU use, RSS, how late frames were handed over and how far uploads lagged.
// With { discard: true } segments go to a store that drops them (the SDK's CPU without uploads); with
// { feedOnly: true } frames are read and paced but not given to the recorder (the bench's own cost); with
// { spillDir } each recorder spills to <spillDir>/cam<N> (used with an endpoint that refuses: an outage).
// Usage: node bench/cameras.js '<json options>'  → one JSON line on stdout.
import { openSync, readSync, readFileSync } from "node:fs";
import { HlsRecorder } from "../dist/index.js";
import { VIDEO_FILE, FPS, splitAccessUnits } from "./input.js";
import { median } from "./stats.js";

const o = JSON.parse(process.argv[2]);
const { cameras, seconds, endpoint, region, bucket, credentials, lazy, bufferSize } = o;
const FRAME_MS = 1000 / FPS;

// Frames: `lazy` reads each one from the file when it is due, into a fresh Buffer (as an encoder hands one
// out), so RSS shows the SDK and not the bench's copy of the stream; otherwise all frames are loaded once.
const index = o.index ?? splitAccessUnits(readFileSync(VIDEO_FILE));
let frameAt;
if (lazy) {
  const fd = openSync(VIDEO_FILE, "r");
  frameAt = (i) => {
    const [off, len] = index[i];
    const b = Buffer.allocUnsafe(len);
    readSync(fd, b, 0, len, off);
    return b;
  };
} else {
  const file = readFileSync(VIDEO_FILE);
  const frames = index.map(([off, len]) => Buffer.from(file.subarray(off, off + len)));
  frameAt = (i) => frames[i];
}
const streamFrames = index.length;

/** A store that accepts every segment at once and keeps nothing: the SDK's cost without the network. */
const discardingStore = {
  description: "discard",
  put: async () => {},
  list: async () => [],
};

const recorders = [];
let uploadErrors = 0;
let dropped = 0;
const dropReasons = {};
for (let c = 0; c < cameras; c++) {
  const r = o.discard
    ? new HlsRecorder({ bufferSize, prefix: `cam${c}`, store: discardingStore })
    : new HlsRecorder({ bufferSize, region, bucket, prefix: `cam${c}`, endpoint, forcePathStyle: true, credentials, spill: o.spillDir ? { dir: `${o.spillDir}/cam${c}` } : undefined });
  r.on("segment-dropped", (e) => {
    dropped++;
    dropReasons[e.reason] = (dropReasons[e.reason] ?? 0) + 1;
  });
  r.on("error", () => uploadErrors++);
  await r.start();
  recorders.push(r);
}

const totalFrames = Math.round(seconds * FPS);
const next = new Array(cameras).fill(0); // next frame index per camera
const offsetMs = Array.from({ length: cameras }, (_, c) => (c * FRAME_MS) / cameras);
const lateness = []; // ms a frame was handed over after it was due, sampled
let maxLateMs = 0;
let lateAtEndMs = 0;
const rss = [];
let maxUploadLagMs = 0;

const t0 = performance.now();
const cpu0 = process.cpuUsage();
await new Promise((resolve) => {
  const tick = () => {
    const now = performance.now() - t0;
    let done = true;
    for (let c = 0; c < cameras; c++) {
      while (next[c] < totalFrames) {
        const i = next[c];
        const due = offsetMs[c] + i * FRAME_MS;
        if (due > now) break;
        const pass = Math.floor(i / streamFrames);
        const ptsUs = Math.round((i * 1e6) / FPS);
        const frame = frameAt(i - pass * streamFrames);
        if (!o.feedOnly) recorders[c].putVideoFrame(frame, ptsUs);
        const late = performance.now() - t0 - due;
        if (late > maxLateMs) maxLateMs = late;
        if (i % 25 === 0) lateness.push(late);
        if (i === totalFrames - 1) lateAtEndMs = Math.max(lateAtEndMs, late);
        next[c]++;
      }
      if (next[c] < totalFrames) done = false;
    }
    if (done) return resolve();
    const until = Math.min(...next.map((i, c) => offsetMs[c] + i * FRAME_MS)) - (performance.now() - t0);
    setTimeout(tick, Math.max(0, until));
  };
  const sampler = setInterval(() => {
    rss.push(process.memoryUsage.rss());
    for (const r of recorders) maxUploadLagMs = Math.max(maxUploadLagMs, r.uploadLagMs);
  }, 500);
  tick();
  // Stop sampling when feeding ends.
  const check = setInterval(() => {
    if (next.every((i) => i >= totalFrames)) {
      clearInterval(sampler);
      clearInterval(check);
    }
  }, 100);
});
const wallMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
let lagAtEndMs = 0;
for (const r of recorders) lagAtEndMs = Math.max(lagAtEndMs, r.uploadLagMs);

let segmentsUploaded = 0;
let bytesUploaded = 0;
let segmentsMade = 0;
let segmentsSpilled = 0;
let spillBytes = 0;
for (const r of recorders) {
  const s = await r.close({ deadlineMs: o.closeDeadlineMs ?? 30_000 });
  segmentsUploaded += s.segmentsUploaded;
  bytesUploaded += s.bytesUploaded;
  segmentsMade += s.segmentsMade;
  segmentsSpilled += s.segmentsSpilled;
  spillBytes += s.spillBytes;
}

process.stdout.write(
  JSON.stringify({
    cameras,
    seconds: wallMs / 1000,
    cpuPercentOfOneCore: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
    rssMedianBytes: rss.length ? median(rss) : process.memoryUsage.rss(),
    rssMaxBytes: rss.length ? Math.max(...rss) : process.memoryUsage.rss(),
    lateMedianMs: lateness.length ? median(lateness) : 0,
    lateMaxMs: maxLateMs,
    lateAtEndMs,
    uploadLagMaxMs: maxUploadLagMs,
    uploadLagAtEndMs: lagAtEndMs,
    segmentsMade,
    segmentsUploaded,
    segmentsDropped: dropped,
    dropReasons,
    uploadErrors,
    bytesUploaded,
    segmentsSpilled,
    spillBytes,
  }) + "\n",
);
