// The WASM boundary: a handful of functions over linear memory. The host copies a frame to inputPointer(),
// calls putVideo/putAudio, then takes finished segments as (offset, length) views described in the info
// struct, and releases them once the store has acknowledged them. No per-byte calls cross this boundary.
import { layOut, inputPtr, inputCapacity as inputBytes, ringBase, ringCapacity, memoryEnd, MAX_SEGMENTS } from "./layout";
import {
  MIN_RING_BYTES, MAX_RING_BYTES, MIN_FRAME_BYTES, MAX_FRAME_BYTES, MAX_HEAP_RESERVE, FRAME_RATE_TEXT_BYTES, INIT_OK, INIT_NO_MEMORY, INIT_BAD_ARGUMENTS,
  INFO_ID, INFO_PART1_OFFSET, INFO_PART1_LENGTH, INFO_PART2_OFFSET, INFO_PART2_LENGTH, INFO_START_PTS_US, INFO_DURATION_US,
  INFO_WALL_START_MS, INFO_VIDEO_FRAMES, INFO_AUDIO_FRAMES, INFO_FLAGS, INFO_WIDTH,
  INFO_HEIGHT, INFO_AUDIO_OBJECT_TYPE, INFO_AUDIO_SAMPLE_RATE, INFO_AUDIO_CHANNELS, INFO_DURATION_TICKS, INFO_KEYFRAME_BYTES, INFO_WORDS,
  INFO_PART3_OFFSET, INFO_PART3_LENGTH, INFO_PART4_OFFSET, INFO_PART4_LENGTH, INFO_INIT_VERSION, INFO_INIT_LENGTH,
  CONTAINER_TS, CONTAINER_FMP4, CONTAINER_AUTO,
  STATS_VIDEO_FRAMES_IN, STATS_AUDIO_FRAMES_IN, STATS_BYTES_IN, STATS_VIDEO_FRAMES_DROPPED, STATS_AUDIO_FRAMES_DROPPED,
  STATS_SEGMENTS_MADE, STATS_SEGMENTS_DROPPED, STATS_RING_USED, STATS_RING_HIGH_WATER, STATS_RING_CAPACITY, STATS_TS_PACKETS,
  STATS_SEGMENT_SLOTS_FREE, STATS_WORDS, INFO_CODEC, INFO_CODEC_STRING_LENGTH, CODEC_STRING_BYTES, CODEC_AUTO, CODEC_H264, CODEC_H265,
} from "./abi";
import { codecReset, codecIsHevc, containerForCodec } from "./codec";
import { hevcWidth, hevcHeight } from "./h265";
import { writeCodecString } from "./codec-string";
import { buildCrcTables, crc32Ieee } from "./crc";
import {
  muxerInit, expectAudio, videoLostAtSource, putVideo as muxPutVideo, setWallClock as muxSetWallClock, WALL_CLOCK_WANTED, putAudio as muxPutAudio, flush as muxFlush,
  videoFramesIn, audioFramesIn, bytesIn, videoFramesDropped, audioFramesDropped, segmentsMade, segmentsDropped,
  droppedList, droppedCount, resetDroppedCount, audioSampleRateNow, audioChannelsNow, audioObjectTypeNow,
} from "./muxer";
import {
  headSeq, tailSeq, segmentState, usedBytes, highWater, SEG_READY, SEG_TAKEN, takeNext, release, CLOSED_COUNTER,
  segStart, segEnd, segStartPtsUs, segDurationTicks, segWallMs, segVideoFrames, segAudioFrames, segFlags, segKeyframeBytes,
} from "./ring";
import { packetsWritten } from "./ts-writer";
import { container, containerMayBeFmp4, setContainer as chooseContainer, FMP4_AREA_BYTES, initAreaOf, initLengthOf, segInitVersion, segHeadBytes } from "./fmp4-writer";
import { spsWidth, spsHeight } from "./h264";

import { parseFrameRateText, reducedNum, reducedDen } from "./frame-rate";
import { FILE_NAME, nameSegment, nameInit } from "./file-names";

export {
  rawInit, rawRewind, rawChunkPtr, rawVideoPush, rawVideoEnd, rawAudioChunkPtr, rawAudioPush, rawAudioEnd, rawVideoTime, rawAudioTime,
  rawAudioDue, rawStatusPointer,
} from "./raw-input";

// Structs the host reads as f64 words (assembly/abi.ts INFO_*, STATS_*).
const INFO: usize = memory.data(INFO_WORDS * 8);
const STATS: usize = memory.data(STATS_WORDS * 8);

// @ts-ignore: decorator
@inline function setInfo(word: u32, value: f64): void {
  store<f64>(INFO + (<usize>word << 3), value);
}

// @ts-ignore: decorator
@inline function setStat(word: u32, value: f64): void {
  store<f64>(STATS + (<usize>word << 3), value);
}

/**
 * Sets up the core: ring of ringBytes, frames up to maxFrameBytes, target segment duration in ms, overflow
 * policy (0 drop-oldest, 1 drop-new). Grows memory once; returns 0, or -1 if memory could not be had.
 */
export function init(ringBytes: u32, maxFrameBytes: u32, segmentMs: u32, policy: u32, heapReserve: u32): i32 {
  if (ringBytes < MIN_RING_BYTES || ringBytes > MAX_RING_BYTES || maxFrameBytes < MIN_FRAME_BYTES || maxFrameBytes > MAX_FRAME_BYTES || heapReserve > MAX_HEAP_RESERVE) {
    return INIT_BAD_ARGUMENTS;
  }
  if (!layOut(ringBytes, maxFrameBytes, heapReserve, containerMayBeFmp4() ? FMP4_AREA_BYTES : 0)) return INIT_NO_MEMORY;
  buildCrcTables();
  codecReset(CODEC_AUTO);
  muxerInit(segmentMs, policy);
  return INIT_OK;
}

/** The video codec (assembly/abi.ts CODEC_*), right after init and before any frame; 0 if it is not one. */
export function setCodec(codec: u32): i32 {
  if (codec > CODEC_H265) return -1;
  codecReset(codec);
  return 0;
}

/**
 * The segments' format (assembly/abi.ts CONTAINER_*), called before init; TS when never called. CONTAINER_AUTO:
 * the codec decides, once known (defaultContainer). 0, or -2 if unknown.
 */
export function setContainer(kind: u32): i32 {
  if (kind != CONTAINER_TS && kind != CONTAINER_FMP4 && kind != CONTAINER_AUTO) return INIT_BAD_ARGUMENTS;
  chooseContainer(kind);
  return INIT_OK;
}

/**
 * The container a host should ask for when its user chose none, given the codec setting (CODEC_*): TS for H.264,
 * fMP4 for H.265, and CONTAINER_AUTO when the stream will tell (codec.ts containerForCodec holds the rule).
 */
export function defaultContainer(codec: u32): u32 {
  return codec == CODEC_AUTO ? CONTAINER_AUTO : containerForCodec(codec == CODEC_H265);
}

/** fMP4: where the init segment of the given version is (a segment's version and its length are in the info struct). */
export function initPointer(version: u32): usize { return initAreaOf(version); }

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

/** A video frame was lost before it reached the core: mux nothing more until the next IDR (muxer.ts videoLostAtSource). */
export function videoLost(): void {
  videoLostAtSource();
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
  let seq = takeNext();
  if (seq >= 0) describe(<u32>seq);
  return <i32>seq;
}

/** Views of ring bytes [start, start + length) into two pairs of info words (the second of length 0 unless it wraps). */
function describeViews(start: u64, length: u32, offsetWord: u32): void {
  let offset = <u32>(start % <u64>ringCapacity);
  let first = length;
  if (offset + length > ringCapacity) first = ringCapacity - offset;
  setInfo(offsetWord, <f64>(ringBase + offset));
  setInfo(offsetWord + 1, <f64>first);
  setInfo(offsetWord + 2, <f64>ringBase);
  setInfo(offsetWord + 3, <f64>(length - first));
}

// The codec string of the segment takeSegment() described last (INFO_CODEC_STRING_LENGTH bytes).
const CODEC_STRING: usize = memory.data(CODEC_STRING_BYTES);
export function codecStringPointer(): usize { return CODEC_STRING; }

function describe(seq: u32): void {
  let start = segStart(seq);
  let length = <u32>(segEnd(seq) - start);
  let ticks = segDurationTicks(seq);
  setInfo(INFO_ID, <f64>seq);
  let fmp4 = container == CONTAINER_FMP4;
  if (fmp4) {
    // The head (moof + mdat header) was written after the samples; it is handed out first.
    let head = segHeadBytes(seq);
    describeViews(start + <u64>(length - head), head, INFO_PART1_OFFSET);
    describeViews(start, length - head, INFO_PART3_OFFSET);
  } else {
    describeViews(start, length, INFO_PART1_OFFSET);
    setInfo(INFO_PART3_LENGTH, 0);
    setInfo(INFO_PART4_LENGTH, 0);
  }
  let version = fmp4 ? segInitVersion(seq) : 0;
  setInfo(INFO_INIT_VERSION, <f64>version);
  setInfo(INFO_INIT_LENGTH, fmp4 ? <f64>initLengthOf(version) : 0);
  setInfo(INFO_START_PTS_US, segStartPtsUs(seq));
  setInfo(INFO_DURATION_US, <f64>ticks * 100.0 / 9.0);
  setInfo(INFO_WALL_START_MS, segWallMs(seq));
  setInfo(INFO_VIDEO_FRAMES, <f64>segVideoFrames(seq));
  setInfo(INFO_AUDIO_FRAMES, <f64>segAudioFrames(seq));
  setInfo(INFO_FLAGS, <f64>segFlags(seq));
  let hevc = codecIsHevc;
  setInfo(INFO_CODEC, <f64>(hevc ? CODEC_H265 : CODEC_H264));
  setInfo(INFO_WIDTH, <f64>(hevc ? hevcWidth : spsWidth));
  setInfo(INFO_HEIGHT, <f64>(hevc ? hevcHeight : spsHeight));
  setInfo(INFO_CODEC_STRING_LENGTH, <f64>writeCodecString(CODEC_STRING));
  setInfo(INFO_AUDIO_OBJECT_TYPE, <f64>audioObjectTypeNow());
  setInfo(INFO_AUDIO_SAMPLE_RATE, <f64>audioSampleRateNow());
  setInfo(INFO_AUDIO_CHANNELS, <f64>audioChannelsNow());
  setInfo(INFO_DURATION_TICKS, <f64>ticks);
  setInfo(INFO_KEYFRAME_BYTES, <f64>segKeyframeBytes(seq));
}

/** The store acknowledged the segment: its ring space can be reused. */
export function releaseSegment(id: u32): void {
  release(id);
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
  setStat(STATS_VIDEO_FRAMES_IN, videoFramesIn);
  setStat(STATS_AUDIO_FRAMES_IN, audioFramesIn);
  setStat(STATS_BYTES_IN, bytesIn);
  setStat(STATS_VIDEO_FRAMES_DROPPED, videoFramesDropped);
  setStat(STATS_AUDIO_FRAMES_DROPPED, audioFramesDropped);
  setStat(STATS_SEGMENTS_MADE, segmentsMade);
  setStat(STATS_SEGMENTS_DROPPED, segmentsDropped);
  setStat(STATS_RING_USED, <f64>usedBytes());
  setStat(STATS_RING_HIGH_WATER, <f64>highWater);
  setStat(STATS_RING_CAPACITY, <f64>ringCapacity);
  setStat(STATS_TS_PACKETS, <f64>packetsWritten);
  setStat(STATS_SEGMENT_SLOTS_FREE, <f64>(MAX_SEGMENTS - (headSeq - tailSeq)));
  return STATS;
}

/** IEEE CRC-32 (as zlib) of memory [ptr, ptr+len), continuing from crc. */
export function crc32(crc: u32, ptr: usize, len: u32): u32 {
  return crc32Ieee(crc, ptr, len);
}

// A frame rate as a user types it, for hosts (the Node CLI's --fps): the WASI command's rule, kept in the core.
const FRAME_RATE_TEXT: usize = memory.data(FRAME_RATE_TEXT_BYTES);

/** Where the host writes the text parseFrameRate reads (FRAME_RATE_TEXT_BYTES; works before init). */
export function frameRateTextPointer(): usize {
  return FRAME_RATE_TEXT;
}

/** The frame rate written as `length` bytes of text at frameRateTextPointer(): numerator << 32 | denominator in lowest terms, or 0 when it is none. */
export function parseFrameRate(length: u32): u64 {
  if (length > FRAME_RATE_TEXT_BYTES || !parseFrameRateText(FRAME_RATE_TEXT, <i32>length)) return 0;
  return (reducedNum << 32) | reducedDen;
}

// The names of mux's files (file-names.ts), for the Node host; the WASI command uses the same functions.
/** Where segmentFileName and initFileName write the name (FILE_NAME_BYTES; works before init). */
export function fileNamePointer(): usize {
  return FILE_NAME;
}

/** segment-000000.ts (or .m4s for CONTAINER_FMP4) for sequence number `seq`; returns the name's length. */
export function segmentFileName(seq: u32, kind: u32): u32 {
  return nameSegment(seq, kind);
}

/** init.mp4, init-2.mp4… for init segment `version`; returns the name's length. */
export function initFileName(version: u32): u32 {
  return nameInit(version);
}
