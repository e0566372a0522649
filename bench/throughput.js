// @ts-check
// Muxing throughput on the same frames: our core (alone, and through the Node API), mediabunny's MPEG-TS
// muxer, ffmpeg -c copy, and the copy limit of this machine. Every row is a function that muxes the whole
// 60 s stream once ("one pass") and returns the time it took; rounds run every row once in turn, so the
// ratios are taken between samples measured moments apart.
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { MuxerCore } from "../dist/core.js";
import { INIT_OK, CONTAINER_TS, CONTAINER_FMP4, POLICY_DROP_OLDEST, STATS_WORDS, STATS_TS_PACKETS, STATS_VIDEO_FRAMES_DROPPED, STATS_AUDIO_FRAMES_DROPPED, STATS_RING_CAPACITY } from "../dist/core-abi.js";
import { Output, MpegTsOutputFormat, Mp4OutputFormat, BufferTarget, EncodedPacket, EncodedVideoPacketSource, EncodedAudioPacketSource } from "mediabunny";
import { VIDEO_FILE, AUDIO_FILE, FPS } from "./input.js";
import { buildFloor } from "./build-floor.js";

const CORE_WASM = fileURLToPath(new URL("../build/core.wasm", import.meta.url));
const SCALAR_CORE_WASM = fileURLToPath(new URL("../build/core-scalar.wasm", import.meta.url)); // no Wasm SIMD
export const RING_BYTES = 4 * 1024 * 1024; // the C SDK's buffer for a 5 Mbps camera
const SEGMENT_MS = 2000;
const PAGE = 65536;

/** Frames of both tracks in the order an encoder would deliver them (by presentation time, video first on ties). */
function interleave(input) {
  const events = [];
  let a = 0;
  for (const v of input.video) {
    while (a < input.audio.length && input.audio[a].ptsUs < v.ptsUs) events.push({ audio: true, frame: input.audio[a++] });
    events.push({ audio: false, frame: v });
  }
  while (a < input.audio.length) events.push({ audio: true, frame: input.audio[a++] });
  return events;
}

// ---- ipc-hls: the core instantiated by hand, frames already in its memory ----

/**
 * The core alone: build/core.wasm instantiated directly; the whole stream sits in the core's own linear memory
 * (above everything the core uses). Per frame the bench copies the frame into the input area (memmove inside
 * WASM memory), then calls putVideo/putAudio and takes and releases finished segments. runWhole times all
 * of it; runInPlace times only the core calls (the frame is already in place, fresh in cache, as after an
 * encoder wrote it there). Memory is grown for the stream by the bench, above memoryBytes(): the core never
 * looks past its own regions.
 */
export async function coreAloneRow(input, withAudio, wasmFile = CORE_WASM, container = CONTAINER_TS) {
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(readFileSync(wasmFile)), {});
  const x = /** @type {import("../dist/core.js").CoreExports} */ (/** @type {unknown} */ (instance.exports));
  x.setContainer(container);
  if (x.init(RING_BYTES, 512 * 1024, SEGMENT_MS, POLICY_DROP_OLDEST, 64 * 1024) !== INIT_OK) throw new Error("core init failed");
  if (withAudio) x.setAudioExpected(1);
  const events = withAudio ? interleave(input) : input.video.map((frame) => ({ audio: false, frame }));
  // Lay the frames end to end after the core's memory, then their lengths as u32s (for the copy floor).
  let total = 0;
  for (const e of events) total += e.frame.data.length;
  const streamBase = Math.ceil(x.memoryBytes() / PAGE) * PAGE;
  const sizesBase = Math.ceil((streamBase + total) / 4) * 4;
  const need = sizesBase + events.length * 4;
  x.memory.grow(Math.max(0, Math.ceil(need / PAGE) - x.memory.buffer.byteLength / PAGE));
  const bytes = new Uint8Array(x.memory.buffer);
  new Uint32Array(x.memory.buffer, sizesBase, events.length).set(events.map((e) => e.frame.data.length));
  const offsets = new Float64Array(events.length);
  const lengths = new Float64Array(events.length);
  const pts = new Float64Array(events.length);
  const isAudio = new Uint8Array(events.length);
  let at = streamBase;
  events.forEach((e, i) => {
    bytes.set(e.frame.data, at);
    offsets[i] = at;
    lengths[i] = e.frame.data.length;
    pts[i] = e.frame.ptsUs;
    isAudio[i] = e.audio ? 1 : 0;
    at += e.frame.data.length;
  });
  const input0 = x.inputPointer();
  const passUs = input.seconds * 1e6;
  let pass = 0;
  const stats = () => new Float64Array(x.memory.buffer, x.refreshStats(), STATS_WORDS); // (memory grown above)
  // As the host does: ask for segments only when the core's closed-segment counter moved.
  const closedCount = new Uint32Array(x.memory.buffer, x.closedCounterPointer(), 1); // (memory grown above)
  let closedSeen = 0;
  const drain = () => {
    const closed = closedCount[0];
    if (closed === closedSeen) return;
    for (let id = x.takeSegment(); id >= 0; id = x.takeSegment()) x.releaseSegment(id);
    closedSeen = closed;
  };

  /** One pass: copy-in and mux every frame; returns ms. Timestamps continue from the previous pass. */
  function runWhole() {
    const shift = pass++ * passUs;
    const t0 = performance.now();
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i];
      bytes.copyWithin(input0, offsets[i], offsets[i] + len);
      if (isAudio[i]) x.putAudio(len, pts[i] + shift);
      else x.putVideo(len, pts[i] + shift, pts[i] + shift, 0);
      drain();
    }
    return performance.now() - t0;
  }

  /** One pass timing only the core's calls (the frame is in place and hot in cache, as after an encoder's write). */
  const runInPlace = () => totalMs(perFrameInPlace());

  /** Per-frame durations (ms, clock overhead not subtracted) of one in-place pass, for the profile fit. */
  function perFrameInPlace() {
    const shift = pass++ * passUs;
    const out = new Float64Array(lengths.length);
    for (let i = 0; i < lengths.length; i++) {
      const len = lengths[i];
      bytes.copyWithin(input0, offsets[i], offsets[i] + len);
      const t0 = performance.now();
      if (isAudio[i]) x.putAudio(len, pts[i] + shift);
      else x.putVideo(len, pts[i] + shift, pts[i] + shift, 0);
      drain();
      out[i] = performance.now() - t0;
    }
    return out;
  }

  const before = () => {
    const s = stats();
    return { packets: s[STATS_TS_PACKETS], dropped: s[STATS_VIDEO_FRAMES_DROPPED] + s[STATS_AUDIO_FRAMES_DROPPED] };
  };
  const ringBytes = stats()[STATS_RING_CAPACITY];
  // Where the copy floor works when it shares this memory: the same input area and ring, the same frames.
  const place = { memory: x.memory, input: input0, ring: x.memoryBytes() - ringBytes, ringBytes, streamBase, offsets, sizesBase, frames: events.length };
  return { runWhole, runInPlace, perFrameInPlace, before, bytes: total, place };
}

let overheadMs;
/** The cost of the two clock reads around a timed call, subtracted from per-call timings. */
export function clockOverheadMs() {
  if (overheadMs !== undefined) return overheadMs;
  const samples = [];
  for (let r = 0; r < 9; r++) {
    let ms = 0;
    for (let i = 0; i < 20000; i++) {
      const t0 = performance.now();
      ms += performance.now() - t0;
    }
    samples.push(ms / 20000);
  }
  samples.sort((a, b) => a - b);
  overheadMs = samples[4];
  return overheadMs;
}

// ---- ipc-hls through the public Node API ----

/** MuxerCore (src/core.ts) with every frame its own Buffer, as an encoder hands them out; wall clock from Date.now(). */
export async function nodeApiRow(input, withAudio) {
  const core = await MuxerCore.create({ bufferSize: RING_BYTES, segmentDuration: SEGMENT_MS / 1000, audio: withAudio });
  const events = withAudio ? interleave(input) : input.video.map((frame) => ({ audio: false, frame }));
  const passUs = input.seconds * 1e6;
  let pass = 0;
  let total = 0;
  for (const e of events) total += e.frame.data.length;
  function run() {
    const shift = pass++ * passUs;
    const t0 = performance.now();
    for (const e of events) {
      const t = e.frame.ptsUs + shift;
      if (e.audio) core.putAudio([e.frame.data], t);
      else core.putVideo([e.frame.data], t, t);
      for (let s = core.takeSegment(); s; s = core.takeSegment()) core.release(s.id);
    }
    return performance.now() - t0;
  }
  /** The cold row's unavoidable part alone: every frame's Buffer copied into the input area, nothing muxed. */
  const mem = new Uint8Array(core.memory.buffer);
  const inputAt = core.frameBuffer.byteOffset;
  function runCopyInOnly() {
    const t0 = performance.now();
    for (const e of events) mem.set(e.frame.data, inputAt);
    return performance.now() - t0;
  }
  /**
   * One pass timing only the API calls, each frame read into cache just before (as right after the encoder
   * wrote it): putVideo/putAudio with the frame's own Buffer + takeSegment/release.
   */
  const scratch = new Uint8Array(2 * 1024 * 1024);
  const runHot = () => totalMs(perFrameHot());

  /**
   * Zero-copy input: the producer writes each frame into core.frameBuffer itself (untimed here: it is the
   * encoder's own write), then putVideoInPlace/putAudioInPlace + takeSegment/release are timed.
   */
  function runInPlace() {
    const shift = pass++ * passUs;
    const out = new Float64Array(events.length);
    events.forEach((e, i) => {
      core.frameBuffer.set(e.frame.data); // untimed: the encoder writing its output here
      const t = e.frame.ptsUs + shift;
      const t0 = performance.now();
      if (e.audio) core.putAudioInPlace(e.frame.data.length, t);
      else core.putVideoInPlace(e.frame.data.length, t, t);
      for (let s = core.takeSegment(); s; s = core.takeSegment()) core.release(s.id);
      out[i] = performance.now() - t0;
    });
    return totalMs(out);
  }
  /** Per-frame durations (ms, clock overhead not subtracted) of one frame-hot pass, for the profile fit. */
  function perFrameHot() {
    const shift = pass++ * passUs;
    const out = new Float64Array(events.length);
    events.forEach((e, i) => {
      scratch.set(e.frame.data);
      const t = e.frame.ptsUs + shift;
      const t0 = performance.now();
      if (e.audio) core.putAudio([e.frame.data], t);
      else core.putVideo([e.frame.data], t, t);
      for (let s = core.takeSegment(); s; s = core.takeSegment()) core.release(s.id);
      out[i] = performance.now() - t0;
    });
    return out;
  }
  const before = () => {
    const s = core.stats();
    return { packets: s.tsPackets, dropped: s.videoFramesDropped + s.audioFramesDropped };
  };
  // Where the copy floor works when it shares this core's memory (its input area and ring), and the frames.
  const place = { memory: core.memory, input: inputAt, ring: core.memoryBytes - core.bufferCapacity, ringBytes: core.bufferCapacity, buffers: events.map((e) => e.frame.data) };
  return { run, runHot, runInPlace, runCopyInOnly, perFrameHot, before, bytes: total, memoryBytes: core.memoryBytes, place };
}

/** A pass's time from its per-frame times, less the cost of reading the clock around each frame. */
function totalMs(perFrame) {
  let ms = 0;
  for (const t of perFrame) ms += t;
  return ms - perFrame.length * clockOverheadMs();
}

// ---- mediabunny ----

/**
 * mediabunny's MPEG-TS muxer (or its fragmented MP4 one) into a BufferTarget; Annex B and ADTS as they come (no
 * decoder description: its MP4 muxer builds avcC/hvcC from the first key frame and rewrites NAL units itself).
 * @param {any} input
 * @param {boolean} withAudio
 * @param {{ fmp4?: boolean, hevc?: boolean }} [kind]
 */
function mediabunnyRow(input, withAudio, { fmp4 = false, hevc = false } = {}) {
  const events = withAudio ? interleave(input) : input.video.map((frame) => ({ audio: false, frame }));
  let total = 0;
  for (const e of events) total += e.frame.data.length;
  let lastBytes = 0;
  async function run() {
    const t0 = performance.now();
    const format = fmp4 ? new Mp4OutputFormat({ fastStart: "fragmented", minimumFragmentDuration: SEGMENT_MS / 1000 }) : new MpegTsOutputFormat();
    const output = new Output({ format, target: new BufferTarget() });
    const video = new EncodedVideoPacketSource(hevc ? "hevc" : "avc");
    output.addVideoTrack(video, { frameRate: FPS });
    const audio = withAudio ? new EncodedAudioPacketSource("aac") : undefined;
    if (audio) output.addAudioTrack(audio);
    await output.start();
    let firstVideo = true;
    let firstAudio = true;
    for (const e of events) {
      const f = e.frame;
      if (e.audio) {
        const packet = new EncodedPacket(f.data, "key", f.ptsUs / 1e6, 1024 / 48000);
        await audio.add(packet, firstAudio ? { decoderConfig: { codec: "mp4a.40.2", numberOfChannels: 2, sampleRate: 48000 } } : undefined);
        firstAudio = false;
      } else {
        const packet = new EncodedPacket(f.data, f.key ? "key" : "delta", f.ptsUs / 1e6, 1 / FPS);
        await video.add(packet, firstVideo ? { decoderConfig: { codec: hevc ? "hvc1.1.6.L120.90" : "avc1.640028", codedWidth: 1920, codedHeight: 1080 } } : undefined);
        firstVideo = false;
      }
    }
    await output.finalize();
    const ms = performance.now() - t0;
    lastBytes = output.target.buffer.byteLength;
    return ms;
  }
  return { run, bytes: total, packets: () => lastBytes / 188 };
}

// ---- ffmpeg ----

function ffmpegAvailable() {
  return spawnSync("ffmpeg", ["-version"], { stdio: "ignore" }).status === 0;
}

/** `ffmpeg -c copy -f mpegts` as a whole process (start-up, demuxing the raw streams, muxing) to /dev/null. */
function ffmpegRow(input, withAudio) {
  const args = ["-v", "error", "-nostdin", "-framerate", String(FPS), "-f", "h264", "-i", VIDEO_FILE];
  if (withAudio) args.push("-f", "aac", "-i", AUDIO_FILE, "-map", "0:v", "-map", "1:a");
  args.push("-c", "copy", "-f", "mpegts", "-y", "/dev/null");
  const total = input.videoBytes + (withAudio ? input.audioBytes : 0);
  function run() {
    const t0 = performance.now();
    const r = spawnSync("ffmpeg", args, { stdio: ["ignore", "ignore", "pipe"] });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    return ms;
  }
  return { run, bytes: total };
}

// ---- The copy limit ----

/**
 * The copy floor, instantiated on the memory of a core row (`place`): it copies from that core's input area
 * into that core's ring, so the floor and the muxer read and write the very same memory. (Two instances of the
 * same core differed by up to 10 % here; in its own memory the floor measured up to 10 % slower than in the
 * core's, which flattered the ratio.) The ring's bytes are garbage afterwards; the bench never reads them.
 */
/**
 * bench/copy-floor.ts's exports.
 * @typedef {{
 *   reset(): void;
 *   bareFloorFrame(input: number, ring: number, ringBytes: number, len: number): void;
 *   bareFloor(input: number, ring: number, ringBytes: number, sizes: number, frames: number): void;
 *   copyChunksAtStride(input: number, ring: number, ringBytes: number, sizes: number, frames: number, stride: number): void;
 *   copyChunks(from: number, ring: number, ringBytes: number, chunk: number, total: number): void;
 * }} FloorExports
 */

export async function floorRows(place) {
  const instance = await WebAssembly.instantiate(new WebAssembly.Module(readFileSync(buildFloor())), { env: { memory: place.memory } });
  const x = /** @type {FloorExports} */ (/** @type {unknown} */ (instance.exports));
  const mem = new Uint8Array(place.memory.buffer);
  const { input: inputAt, ring, ringBytes } = place;
  const n = place.buffers ? place.buffers.length : place.frames;
  const lengths = place.buffers ? place.buffers.map((b) => b.length) : Array.from(new Uint32Array(place.memory.buffer, place.sizesBase, n));
  // Each frame into the input area as its core row does it: from the stream laid out in memory, or its Buffer.
  const copyIn = place.buffers ? (i) => mem.set(place.buffers[i], inputAt) : (i) => mem.copyWithin(inputAt, place.offsets[i], place.offsets[i] + lengths[i]);
  /** Per-frame durations (ms, clock overhead not subtracted): copy-in untimed, then one timed bareFloorFrame. */
  const barePerFrame = () => {
    const out = new Float64Array(n);
    x.reset();
    for (let i = 0; i < n; i++) {
      copyIn(i);
      const t0 = performance.now();
      x.bareFloorFrame(inputAt, ring, ringBytes, lengths[i]);
      out[i] = performance.now() - t0;
    }
    return out;
  };
  const rows = { barePerFrame, bareInPlace: () => totalMs(barePerFrame()) };
  if (place.buffers) return rows;
  // Whole-stream rows (the stream is in this memory): every frame copied from the input area in one call.
  const total = lengths.reduce((a, b) => a + b, 0);
  const timed = (fn) => () => {
    x.reset();
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  };
  return {
    ...rows,
    bare: timed(() => x.bareFloor(inputAt, ring, ringBytes, place.sizesBase, n)),
    memoryCopy184: timed(() => x.copyChunksAtStride(inputAt, ring, ringBytes, place.sizesBase, n, 184)),
    copy188: timed(() => x.copyChunksAtStride(inputAt, ring, ringBytes, place.sizesBase, n, 188)),
    copy1MiB: timed(() => x.copyChunks(place.streamBase, ring, ringBytes, 1024 * 1024, total)),
  };
}

// ---- Rounds ----

/**
 * Runs every row `rounds` times, in turn. A sample of a fast row is several passes (at least `minSampleMs`),
 * so timer and scheduler noise stay small against it.
 */
/**
 * @param {any} input
 * @param {{ rounds: number, minSampleMs: number, log: (message: string) => unknown, only?: RegExp, verbose?: boolean, hevc?: any }} options
 */
export async function measureThroughput(input, { rounds, minSampleMs, log, only, verbose, hevc }) {
  const rows = [];
  const add = (name, opts) => rows.push({ name, samples: [], passesPerSample: 1, ...opts });
  const avBytes = input.videoBytes + input.audioBytes;

  const coreV = await coreAloneRow(input, false);
  const coreAV = await coreAloneRow(input, true);
  const scalarV = await coreAloneRow(input, false, SCALAR_CORE_WASM);
  const nodeV = await nodeApiRow(input, false);
  const nodeAV = await nodeApiRow(input, true);
  const floors = await floorRows(coreV.place); // on the core-alone video row's memory
  const nodeFloor = await floorRows(nodeV.place); // on the Node API video rows' memory

  add("ipc-hls core alone, video (frame in place)", { kind: "ours", run: coreV.runInPlace, bytes: coreV.bytes, stats: coreV.before, note: "build/core.wasm called directly; only putVideo + take/release timed (frame already in the input area)" });
  add("ipc-hls scalar core alone, video (frame in place)", { kind: "ours", run: scalarV.runInPlace, bytes: scalarV.bytes, stats: scalarV.before, note: "as the row above with build/core-scalar.wasm (no SIMD, 8-byte moves), the core a runtime without Wasm SIMD gets: what SIMD buys" });
  add("ipc-hls core alone, video (incl. copy-in)", { kind: "ours", run: coreV.runWhole, bytes: coreV.bytes, stats: coreV.before, note: "as above plus the memmove of each frame from WASM memory into the input area" });
  add("ipc-hls Node API, video", { kind: "ours", run: nodeV.run, bytes: nodeV.bytes, stats: nodeV.before, note: "MuxerCore.putVideo([Buffer]) per frame + takeSegment/release; every frame its own Buffer (37.7 MB of them: cold in cache); whole loop timed" });
  add("ipc-hls Node API, video (frame hot in cache)", { kind: "ours", run: nodeV.runHot, bytes: nodeV.bytes, stats: nodeV.before, note: "as above, but each frame is read into cache (untimed) right before its putVideo, as just after an encoder wrote it; only the API calls timed" });
  add("ipc-hls Node API, video, zero-copy (frame written into frameBuffer)", { kind: "ours", run: nodeV.runInPlace, bytes: nodeV.bytes, stats: nodeV.before, note: "the producer writes each frame into MuxerCore.frameBuffer (untimed: the encoder's own write), then putVideoInPlace + take/release are timed" });
  add("ipc-hls core alone, audio+video (frame in place)", { kind: "ours", run: coreAV.runInPlace, bytes: coreAV.bytes, stats: coreAV.before, note: "as the video row, AAC ADTS frames interleaved by time" });
  add("ipc-hls Node API, audio+video", { kind: "ours", run: nodeAV.run, bytes: nodeAV.bytes, stats: nodeAV.before, note: "MuxerCore.putVideo/putAudio per frame" });
  // fMP4 (H.264 + AAC) and H.265 (TS and fMP4) on the same minute (the HEVC rows on its libx265 encode).
  const fmp4V = await coreAloneRow(input, false, CORE_WASM, CONTAINER_FMP4);
  const fmp4AV = await coreAloneRow(input, true, CORE_WASM, CONTAINER_FMP4);
  add("ipc-hls core alone, fMP4 video (frame in place)", { kind: "ours", run: fmp4V.runInPlace, bytes: fmp4V.bytes, stats: fmp4V.before, note: "as the TS video row, container fMP4: length-prefixed samples into the ring, moof + mdat header per segment" });
  add("ipc-hls core alone, fMP4 audio+video (frame in place)", { kind: "ours", run: fmp4AV.runInPlace, bytes: fmp4AV.bytes, stats: fmp4AV.before, note: "as above with the AAC frames (ADTS headers dropped) interleaved by time" });
  const mbF = mediabunnyRow(input, false, { fmp4: true });
  add("mediabunny 1.61.0 fMP4, video", { kind: "peer", run: mbF.run, bytes: mbF.bytes, note: "Output + Mp4OutputFormat({ fastStart: \"fragmented\" }) + BufferTarget, Annex B in, awaited add() per frame" });
  let hevcFloor;
  if (hevc) {
    const hevcTs = await coreAloneRow(hevc, false, CORE_WASM, CONTAINER_TS);
    const hevcFmp4 = await coreAloneRow(hevc, false, CORE_WASM, CONTAINER_FMP4);
    hevcFloor = await floorRows(hevcTs.place);
    add("ipc-hls core alone, HEVC TS video (frame in place)", { kind: "ours", run: hevcTs.runInPlace, bytes: hevcTs.bytes, stats: hevcTs.before, note: "the minute re-encoded with libx265 (5 Mbps, IRAP every 2 s), into MPEG-TS (stream_type 0x24)" });
    add("ipc-hls core alone, HEVC fMP4 video (frame in place)", { kind: "ours", run: hevcFmp4.runInPlace, bytes: hevcFmp4.bytes, stats: hevcFmp4.before, note: "as above into fMP4 (hvc1/hvcC): HEVC's default container" });
    const mbH = mediabunnyRow(hevc, false, { fmp4: true, hevc: true });
    add("mediabunny 1.61.0 fMP4, HEVC video", { kind: "peer", run: mbH.run, bytes: mbH.bytes, note: "as the mediabunny fMP4 row with EncodedVideoPacketSource(\"hevc\") on the HEVC frames" });
  }
  const mbV = mediabunnyRow(input, false);
  const mbAV = mediabunnyRow(input, true);
  add("mediabunny 1.61.0 MPEG-TS, video", { kind: "peer", run: mbV.run, bytes: mbV.bytes, packets: mbV.packets, note: "Output + MpegTsOutputFormat + BufferTarget, EncodedVideoPacketSource, awaited add() per frame" });
  add("mediabunny 1.61.0 MPEG-TS, audio+video", { kind: "peer", run: mbAV.run, bytes: mbAV.bytes, packets: mbAV.packets, note: "as above with EncodedAudioPacketSource (ADTS in)" });
  if (ffmpegAvailable()) {
    const version = spawnSync("ffmpeg", ["-version"], { encoding: "utf8" }).stdout.split("\n")[0].split(" ")[2];
    add(`ffmpeg ${version} -c copy -f mpegts, video (whole process)`, { kind: "peer", run: ffmpegRow(input, false).run, bytes: input.videoBytes, note: "wall time of the whole process: start-up, raw H.264 demux+parse, mux, to /dev/null" });
    add(`ffmpeg ${version} -c copy -f mpegts, audio+video (whole process)`, { kind: "peer", run: ffmpegRow(input, true).run, bytes: avBytes, note: "as above with the ADTS file as a second input (it holds 2 more AAC frames, 0.7 KB, past 60 s than the other rows use)" });
  }
  const floorNote = "per frame: the frame copied into the input area untimed (as in the row compared), then one timed call copying it into the ring in 184-byte chunks at 188-byte stride, no headers";
  add("bare copy floor, core-alone memory: 184-byte chunks, unrolled v128 (frame in place)", { kind: "floor", run: floors.bareInPlace, bytes: input.videoBytes, note: `on the core-alone video row's own input area and ring; ${floorNote}` });
  add("bare copy floor, Node API memory: 184-byte chunks, unrolled v128 (frame in place)", { kind: "floor", run: nodeFloor.bareInPlace, bytes: input.videoBytes, note: `on the Node API video rows' input area and ring (MuxerCore's memory); ${floorNote}` });
  if (hevcFloor) add("bare copy floor, HEVC core-alone memory: 184-byte chunks, unrolled v128 (frame in place)", { kind: "floor", run: hevcFloor.bareInPlace, bytes: hevc.videoBytes, note: `on the HEVC TS row's own input area and ring, its frames; ${floorNote}` });
  add("copy-in limit: cold Buffers into the input area (Uint8Array.set, no muxing)", { kind: "floor", run: nodeV.runCopyInOnly, bytes: nodeV.bytes, note: "the cold Node API row's loop with only its copy of each frame's Buffer into MuxerCore's input area: what reading 37.7 MB of frames not in cache costs by itself" });
  add("copy floor: 184-byte chunks, unrolled v128 (one loop)", { kind: "floor", run: floors.bare, bytes: input.videoBytes, note: "core-alone memory; all frames in one call, each read from the input area (stays clean in cache)" });
  add("copy floor: 184-byte chunks, memory.copy", { kind: "floor", run: floors.memoryCopy184, bytes: input.videoBytes, note: "as above with memory.copy per chunk" });
  add("copy limit: memory.copy of 188-byte chunks", { kind: "floor", run: floors.copy188, bytes: input.videoBytes, note: "each frame in place copied into the ring in 188-byte chunks, contiguous" });
  add("copy limit: memory.copy of 1 MiB chunks", { kind: "floor", run: floors.copy1MiB, bytes: input.videoBytes, note: "1 MiB source copied into the 4 MiB ring in 1 MiB chunks, same total bytes" });

  // Warm up (JIT tiers, caches) and choose how many passes make one sample.
  if (only) rows.splice(0, rows.length, ...rows.filter((r) => only.test(r.name)));
  for (const row of rows) {
    let ms = await row.run();
    if (ms < 1000) for (let i = 0; i < 2; i++) ms = await row.run(); // (slow rows: one warm-up pass is enough)
    row.passesPerSample = Math.max(1, Math.round(minSampleMs / Math.max(ms, 1)));
    log(`warmed up: ${row.name}: ${ms.toFixed(1)} ms per pass, ${row.passesPerSample} per sample`);
  }
  for (let r = 0; r < rounds; r++) {
    log(`round ${r + 1}/${rounds}`);
    for (const row of rows) {
      const before = row.stats?.();
      let ms = 0;
      for (let p = 0; p < row.passesPerSample; p++) ms += await row.run();
      const perPass = ms / row.passesPerSample;
      row.samples.push(perPass);
      if (verbose) log(`  ${row.name}: ${perPass.toFixed(2)} ms`);
      if (row.stats) {
        const after = row.stats();
        row.packetsPerPass = (after.packets - before.packets) / row.passesPerSample;
        if (after.dropped !== before.dropped) throw new Error(`${row.name}: the core dropped frames during the bench`);
      } else if (row.packets) {
        row.packetsPerPass = row.packets();
      }
    }
  }
  return { rows, clockOverheadNs: clockOverheadMs() * 1e6, memoryBytes: nodeV.memoryBytes };
}
