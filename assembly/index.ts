// The WASM boundary: a handful of functions over linear memory. The host copies a frame to inputPointer(),
// calls putVideo/putAudio, then takes finished segments as (offset, length) views described in the info
// struct, and releases them once the store has acknowledged them. No per-byte calls cross this boundary.
import { layOut, inputPtr, inputCapacity as inputBytes, ringBase, ringCapacity, memoryEnd, MAX_SEGMENTS } from "./layout";
import { buildCrcTables, crc32Ieee } from "./crc";
import {
  muxerInit, expectAudio, putVideo as muxPutVideo, setWallClock as muxSetWallClock, WALL_CLOCK_WANTED, putAudio as muxPutAudio, flush as muxFlush,
  videoFramesIn, audioFramesIn, bytesIn, videoFramesDropped, audioFramesDropped, segmentsMade, segmentsDropped,
  droppedList, droppedCount, resetDroppedCount, audioSampleRateNow, audioChannelsNow, audioObjectTypeNow,
} from "./muxer";
import {
  entry, takeSeq, headSeq, tailSeq, segmentState, reclaim, usedBytes, highWater, SEG_READY, SEG_TAKEN, SEG_RELEASED,
  E_START, E_END, E_START_PTS_US, E_DURATION, E_WALL_MS, E_VIDEO_FRAMES, E_AUDIO_FRAMES, E_FLAGS, E_STATE, E_KEYFRAME_BYTES,
  advanceTake, CLOSED_COUNTER,
} from "./ring";
import { packetsWritten } from "./ts-writer";
import { spsProfile, spsConstraints, spsLevel, spsWidth, spsHeight } from "./h264";

export {
  rawInit, rawRewind, rawChunkPtr, rawVideoPush, rawVideoEnd, rawAudioChunkPtr, rawAudioPush, rawAudioEnd, rawVideoTime, rawAudioTime,
  rawStatusPointer,
} from "./raw-input";

// Structs the host reads with a DataView (all f64, little endian).
const INFO: usize = memory.data(32 * 8);
const STATS: usize = memory.data(16 * 8);

/**
 * Sets up the core: ring of ringBytes, frames up to maxFrameBytes, target segment duration in ms, overflow
 * policy (0 drop-oldest, 1 drop-new). Grows memory once; returns 0, or -1 if memory could not be had.
 */
export function init(ringBytes: u32, maxFrameBytes: u32, segmentMs: u32, policy: u32, heapReserve: u32): i32 {
  // (Bounds as src/core.ts checks them: the layout's sum must stay far from the 4 GiB address space.)
  if (ringBytes < 188 * 64 || ringBytes > 1 << 30 || maxFrameBytes < 1024 || maxFrameBytes > 1 << 28 || heapReserve > 1 << 24) return -2;
  if (!layOut(ringBytes, maxFrameBytes, heapReserve)) return -1;
  buildCrcTables();
  muxerInit(segmentMs, policy);
  return 0;
}

export function inputPointer(): usize { return inputPtr; }
export function inputCapacity(): u32 { return inputBytes; }
export function infoPointer(): usize { return INFO; }
export function statsPointer(): usize { return STATS; }
export function droppedPointer(): usize { return droppedList; }
export function memoryBytes(): usize { return memoryEnd; }
/** Address of a u32: segments closed so far (takeSegment has news only when it moved). */
export function closedCounterPointer(): usize { return CLOSED_COUNTER; }
/** Address of a u32: 1 when the last putVideo anchored the wall time and got NaN for it. */
export function wallClockWantedPointer(): usize { return WALL_CLOCK_WANTED; }

/**
 * Muxes the access unit of `length` bytes at inputPointer(). 0, or a drop reason code. wallMs may be NaN: if
 * this put anchored the wall time, the u32 at wallClockWantedPointer() is then 1 and the host calls setWallClock.
 */
export function putVideo(length: u32, ptsUs: f64, dtsUs: f64, wallMs: f64): i32 {
  return muxPutVideo(length, ptsUs, dtsUs, wallMs);
}

/** The wall time (ms since epoch) for the put that asked for it (see putVideo). */
export function setWallClock(wallMs: f64): void {
  muxSetWallClock(wallMs);
}

/** Queues the ADTS frame(s) of `length` bytes at inputPointer(). 0, or a drop reason code. */
export function putAudio(length: u32, ptsUs: f64): i32 {
  return muxPutAudio(length, ptsUs);
}

/** Audio will come (1) or not (0): with 1 the PMT lists the audio stream from the first segment on. */
export function setAudioExpected(expected: u32): void {
  expectAudio(expected != 0);
}

/** Closes the open segment (end of stream). */
export function flush(): void {
  muxFlush();
}

/**
 * Hands out the oldest finished segment not yet taken: returns its id (sequence number) and fills the info
 * struct, or returns -1 when there is none.
 */
export function takeSegment(): i32 {
  while (takeSeq != headSeq) {
    let seq = takeSeq;
    let s = segmentState(seq);
    if (s == SEG_READY) {
      let e = entry(seq);
      store<u32>(e + E_STATE, SEG_TAKEN);
      advanceTake();
      describe(seq);
      return <i32>seq;
    }
    if (s == 1 /* open */) return -1;
    advanceTake();
  }
  return -1;
}

function describe(seq: u32): void {
  let e = entry(seq);
  let start = load<u64>(e + E_START);
  let length = <u32>(load<u64>(e + E_END) - start);
  let offset = <u32>(start % <u64>ringCapacity);
  let first = length;
  if (offset + length > ringCapacity) first = ringCapacity - offset;
  store<f64>(INFO, <f64>seq);
  store<f64>(INFO + 8, <f64>(ringBase + offset));
  store<f64>(INFO + 16, <f64>first);
  store<f64>(INFO + 24, <f64>ringBase);
  store<f64>(INFO + 32, <f64>(length - first));
  store<f64>(INFO + 40, load<f64>(e + E_START_PTS_US));
  store<f64>(INFO + 48, <f64>load<i64>(e + E_DURATION) * 100.0 / 9.0);
  store<f64>(INFO + 56, load<f64>(e + E_WALL_MS));
  store<f64>(INFO + 64, <f64>load<u32>(e + E_VIDEO_FRAMES));
  store<f64>(INFO + 72, <f64>load<u32>(e + E_AUDIO_FRAMES));
  store<f64>(INFO + 80, <f64>load<u32>(e + E_FLAGS));
  store<f64>(INFO + 88, <f64>spsProfile);
  store<f64>(INFO + 96, <f64>spsConstraints);
  store<f64>(INFO + 104, <f64>spsLevel);
  store<f64>(INFO + 112, <f64>spsWidth);
  store<f64>(INFO + 120, <f64>spsHeight);
  store<f64>(INFO + 128, <f64>audioObjectTypeNow());
  store<f64>(INFO + 136, <f64>audioSampleRateNow());
  store<f64>(INFO + 144, <f64>audioChannelsNow());
  store<f64>(INFO + 152, <f64>load<i64>(e + E_DURATION));
  store<f64>(INFO + 160, <f64>load<u32>(e + E_KEYFRAME_BYTES));
}

/** The store acknowledged the segment: its ring space can be reused. */
export function releaseSegment(id: u32): void {
  let s = segmentState(id);
  if (s == SEG_READY || s == SEG_TAKEN) {
    store<u32>(entry(id) + E_STATE, SEG_RELEASED);
    reclaim();
  }
}

/** 1 while the segment's bytes are valid (ready or taken), 0 once released or dropped. */
export function segmentLive(id: u32): i32 {
  let s = segmentState(id);
  return s == SEG_READY || s == SEG_TAKEN ? 1 : 0;
}

/** How many segments were dropped since the last call; the first 64 are described at droppedPointer(). */
export function takeDropped(): u32 {
  let n = droppedCount;
  resetDroppedCount();
  return n;
}

/** Refreshes the stats struct and returns its address. */
export function refreshStats(): usize {
  store<f64>(STATS, videoFramesIn);
  store<f64>(STATS + 8, audioFramesIn);
  store<f64>(STATS + 16, bytesIn);
  store<f64>(STATS + 24, videoFramesDropped);
  store<f64>(STATS + 32, audioFramesDropped);
  store<f64>(STATS + 40, segmentsMade);
  store<f64>(STATS + 48, segmentsDropped);
  store<f64>(STATS + 56, <f64>usedBytes());
  store<f64>(STATS + 64, <f64>highWater);
  store<f64>(STATS + 72, <f64>ringCapacity);
  store<f64>(STATS + 80, <f64>packetsWritten);
  store<f64>(STATS + 88, <f64>(MAX_SEGMENTS - (headSeq - tailSeq)));
  return STATS;
}

/** IEEE CRC-32 (as zlib) of memory [ptr, ptr+len), continuing from crc. */
export function crc32(crc: u32, ptr: usize, len: u32): u32 {
  return crc32Ieee(crc, ptr, len);
}
