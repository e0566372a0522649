// @ts-check
// Where the core's time goes, against the bare copy floor.
//
//   node bench/profile-core.js fit [passes]        per-frame cost = fixed + per-byte, fitted for the core, the floor and the Node API
//   node bench/profile-core.js loop [seconds] [core.wasm] [inplace]   runs the core loop, for `perf record` / `node --cpu-prof`
//
// For readable profiles build a copy of the core that keeps its function names:
//   (cd bench && ../node_modules/.bin/asc ../assembly/index.ts -O3 --noAssert --runtime stub \
//      --enable simd,bulk-memory --initialMemory 1 --debug --outFile .cache/core-names.wasm)
//   perf record -e cpu-clock -F 5000 node --perf-basic-prof bench/profile-core.js loop 4 bench/.cache/core-names.wasm
import { loadInput } from "./input.js";
import { coreAloneRow, floorRows, nodeApiRow, clockOverheadMs } from "./throughput.js";
import { median } from "./stats.js";

const mode = process.argv[2] ?? "fit";
const input = loadInput();

if (mode === "loop") {
  const seconds = Number(process.argv[3] ?? 5);
  const row = await coreAloneRow(input, false, process.argv[4]);
  const inPlace = process.argv[5] === "inplace"; // time only the core calls (the copy-in still runs, untimed)
  const t0 = performance.now();
  let passes = 0;
  let ms = 0;
  while (performance.now() - t0 < seconds * 1000) {
    ms += inPlace ? row.runInPlace() : row.runWhole();
    passes++;
  }
  console.log(`${passes} passes, ${(ms / passes).toFixed(2)} ms per pass (${inPlace ? "core calls only" : "incl. copy-in"}), ${(row.bytes / (ms / passes) / 1e3).toFixed(0)} MB/s`);
} else {
  const passes = Number(process.argv[3] ?? 15);
  const core = await coreAloneRow(input, false);
  const floor = await floorRows(core.place); // on the core's own memory
  const node = await nodeApiRow(input, false);
  const nodeFloor = await floorRows(node.place);
  const overhead = clockOverheadMs();
  const lengths = input.video.map((f) => f.data.length);
  const perFrame = (fn) => {
    for (let i = 0; i < 3; i++) fn(); // warm up
    const runs = Array.from({ length: passes }, fn);
    return lengths.map((_, i) => median(runs.map((r) => r[i])) - overhead);
  };
  const coreT = perFrame(core.perFrameInPlace);
  const floorT = perFrame(floor.barePerFrame);
  const nodeT = perFrame(node.perFrameHot);
  const nodeFloorT = perFrame(nodeFloor.barePerFrame);
  // The copy-in alone, frame hot: what MuxerCore.copyIn does (Uint8Array.set into the input area).
  const mem = new Uint8Array(node.place.memory.buffer);
  const inputAt = node.place.input;
  const scratch = new Uint8Array(2 * 1024 * 1024);
  const copyT = perFrame(() =>
    Float64Array.from(input.video, (f) => {
      scratch.set(f.data);
      const t0 = performance.now();
      mem.set(f.data, inputAt);
      return performance.now() - t0;
    }),
  );
  const sum = (t) => t.reduce((s, y) => s + y, 0);
  const frames = lengths.length;
  const line = (label, t) => console.log(`${label.padEnd(62)} ${sum(t).toFixed(3)} ms per pass, ${((sum(t) / frames) * 1e6).toFixed(0)} ns per frame`);
  console.log(`clock overhead per timed call: ${(overhead * 1e6).toFixed(1)} ns (subtracted); medians of ${passes} passes per frame`);
  line("bare floor in the core's memory (frame freshly copied in)", floorT);
  line("bare floor in the Node API core's memory", nodeFloorT);
  line("core (putVideo + take/release, frame freshly copied in)", coreT);
  line("copy-in alone (Uint8Array.set of the hot frame)", copyT);
  line("Node API (MuxerCore.putVideo([Buffer]) + take/release, hot)", nodeT);
  const glue = sum(nodeT) - sum(coreT) - sum(copyT);
  console.log(`core - floor: ${(sum(coreT) - sum(floorT)).toFixed(3)} ms per pass (${(((sum(coreT) - sum(floorT)) / frames) * 1e6).toFixed(0)} ns per frame); core / floor throughput ${(sum(floorT) / sum(coreT)).toFixed(2)}`);
  console.log(`Node API - core: ${(sum(nodeT) - sum(coreT)).toFixed(3)} ms = copy-in ${sum(copyT).toFixed(3)} ms + JS glue ${glue.toFixed(3)} ms (${((glue / frames) * 1e6).toFixed(0)} ns per frame); Node / its floor ${(sum(nodeFloorT) / sum(nodeT)).toFixed(2)}`);
}
