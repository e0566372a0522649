// Where the core's time goes, against the bare copy floor.
//
//   node bench/profile-core.js fit [passes]        per-frame cost = fixed + per-byte, fitted for the core and the floor
//   node bench/profile-core.js loop [seconds] [core.wasm]   runs the core loop, for `perf record` / `node --cpu-prof`
//
// For readable profiles build a copy of the core that keeps its function names:
//   (cd bench && ../node_modules/.bin/asc ../assembly/index.ts -O3 --noAssert --runtime stub \
//      --enable simd,bulk-memory --initialMemory 1 --debug --outFile .cache/core-names.wasm)
//   perf record -e cpu-clock -F 5000 node --perf-basic-prof bench/profile-core.js loop 4 bench/.cache/core-names.wasm
import { loadInput } from "./input.js";
import { coreAloneRow, floorRows, clockOverheadMs } from "./throughput.js";
import { median } from "./stats.js";

const mode = process.argv[2] ?? "fit";
const input = loadInput();

if (mode === "loop") {
  const seconds = Number(process.argv[3] ?? 5);
  const row = await coreAloneRow(input, false, process.argv[4]);
  const t0 = performance.now();
  let passes = 0;
  let ms = 0;
  while (performance.now() - t0 < seconds * 1000) {
    ms += row.runWhole();
    passes++;
  }
  console.log(`${passes} passes, ${(ms / passes).toFixed(2)} ms per pass (incl. copy-in), ${(row.bytes / (ms / passes) / 1e3).toFixed(0)} MB/s`);
} else {
  const passes = Number(process.argv[3] ?? 15);
  const core = await coreAloneRow(input, false);
  const floor = await floorRows(input);
  const overhead = clockOverheadMs();
  const lengths = input.video.map((f) => f.data.length);
  const perFrame = (fn) => {
    for (let i = 0; i < 3; i++) fn(); // warm up
    const runs = Array.from({ length: passes }, fn);
    return lengths.map((_, i) => median(runs.map((r) => r[i])) - overhead);
  };
  // Alternate the two so load changes hit both.
  const coreT = perFrame(core.perFrameInPlace);
  const floorT = perFrame(floor.barePerFrame);
  const fit = (t) => {
    // Least squares t = a + b * bytes (ms → ns).
    const n = t.length;
    const mx = lengths.reduce((s, x) => s + x, 0) / n;
    const my = t.reduce((s, y) => s + y, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
      sxy += (lengths[i] - mx) * (t[i] - my);
      sxx += (lengths[i] - mx) ** 2;
    }
    const b = sxy / sxx;
    return { fixedNs: (my - b * mx) * 1e6, nsPerPacket: b * 184 * 1e6, totalMs: t.reduce((s, y) => s + y, 0) };
  };
  const c = fit(coreT);
  const f = fit(floorT);
  const frames = lengths.length;
  console.log(`clock overhead per timed call: ${(overhead * 1e6).toFixed(1)} ns (subtracted)`);
  console.log(`core  (putVideo + take/release, frame in place): ${c.fixedNs.toFixed(0)} ns per frame + ${c.nsPerPacket.toFixed(2)} ns per 184 payload bytes; sum ${c.totalMs.toFixed(2)} ms per pass`);
  console.log(`floor (bareFloor, one call per frame):           ${f.fixedNs.toFixed(0)} ns per frame + ${f.nsPerPacket.toFixed(2)} ns per 184 payload bytes; sum ${f.totalMs.toFixed(2)} ms per pass`);
  const fixedShare = ((c.fixedNs - f.fixedNs) * frames) / 1e6;
  const slopeShare = c.totalMs - f.totalMs - fixedShare;
  console.log(`core - floor: ${(c.totalMs - f.totalMs).toFixed(2)} ms per pass = ${fixedShare.toFixed(2)} ms per-frame costs (${(c.fixedNs - f.fixedNs).toFixed(0)} ns × ${frames}) + ${slopeShare.toFixed(2)} ms per-byte costs`);
}
