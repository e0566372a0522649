// fMP4 (CMAF-style ISO BMFF) output: the init segment (ftyp + moov) and, per HLS segment, one moof + mdat.
//
// Samples go into the ring as they come (length-prefixed NAL units, raw AAC frames), exactly where the TS
// packets would go; their sizes and times wait in a table. When the segment closes, the moof describing them
// and the mdat header are written after them: the "head". The host hands out head first, then the samples, so
// a segment is the usual moof + mdat while nothing is moved. Video and audio interleave in the mdat as they
// were muxed, so each track gets one trun per contiguous run of its samples.
import { ringBase, ringCapacity, fmp4Area, MAX_SEGMENTS } from "./layout";
import { writePos, advanceBytes } from "./ring";
import { copyShort } from "./copy";
import { FMP4_MAX_SAMPLES, FMP4_INIT_MAX, CONTAINER_TS, CONTAINER_AUTO } from "./abi";
import { findStartCode, nalType, NAL_AUD, MAX_PARAM_SET, spsStore, spsLength, ppsStore, ppsLength, spsWidth, spsHeight } from "./h264";
import {
  hevcNalType, HEVC_VPS, HEVC_AUD, HEVC_MAX_PARAM_SET, vpsStore, vpsLength, hevcSpsStore, hevcSpsLength, hevcPpsStore, hevcPpsLength, hevcWidth, hevcHeight,
  hevcProfileSpace, hevcTier, hevcProfileIdc, hevcCompatFlags, hevcConstraintHigh, hevcConstraintLow, hevcLevelIdc,
  hevcVpsMaxSubLayers, hevcSpsMaxSubLayers, hevcTemporalIdNested, hevcChromaFormat, hevcBitDepthLuma, hevcBitDepthChroma,
  hevcMinSpatialSegmentation, hevcPpsTiles, hevcPpsWavefronts,
} from "./h265";
import { codecIsHevc, codecDecided, containerForCodec } from "./codec";
import { sampleRateIndex } from "./adts";
import {
  boxesAt, boxCursor, put8, put16, put24, put32, put64, zeros, bytes, openBox, openFullBox, closeBox, unityMatrix,
} from "./mp4-boxes";

export let container: u32 = CONTAINER_TS;
let containerAuto: bool = false; // CONTAINER_AUTO: resolved by the codec (codec.ts containerForCodec) once it is known

const ENTRY: usize = 24;
const S_KIND: usize = 0; // u32: 0 video sync, 1 video non-sync, 2 audio
const S_SIZE: usize = 4; // u32
const S_OFFSET: usize = 8; // u32: offset in the mdat payload
const S_CTO: usize = 12; // u32: pts - dts, ticks
const S_TIME: usize = 16; // i64: video dts (ticks); audio duration (samples)
const KIND_SYNC: u32 = 0;
const KIND_NON_SYNC: u32 = 1;
const KIND_AUDIO: u32 = 2;
const VIDEO_TRACK: u32 = 1;
const AUDIO_TRACK: u32 = 2;
const VIDEO_TIMESCALE: u32 = 90000;
// Decode times start 1.4 s in, as the TS path's timestamps do (muxer.ts TS_OFFSET): a raw stream with B-frames
// gets DTS before its first PTS (and before audio that starts at 0), and tfdt cannot be negative.
const DECODE_TIME_OFFSET: i64 = 126000;

/** Bytes the layout reserves for fMP4 (sample table, then the scratch area the head is built in). */
export const FMP4_AREA_BYTES: u32 = FMP4_MAX_SAMPLES * <u32>ENTRY + fmp4HeadBound(FMP4_MAX_SAMPLES);
function fmp4HeadBound(samples: u32): u32 {
  // moof, mfhd, two trafs with tfhd and tfdt, mdat header; each sample at most 16 bytes and one trun of 20.
  return 512 + samples * 36;
}

// Two init areas, used in turn: a segment still waiting for the host keeps its init segment when the next
// segment brings a new one (only a third change before the host takes it would overwrite it).
const initAreas: usize = memory.data(2 * FMP4_INIT_MAX);
const initLengths: usize = memory.data(8);
export let initVersion: u32 = 0; // 1, 2... each time the init segment changes
export function initAreaOf(version: u32): usize {
  return initAreas + <usize>(version & 1) * FMP4_INIT_MAX;
}
export function initLengthOf(version: u32): u32 {
  return load<u32>(initLengths + (<usize>(version & 1) << 2));
}
export let initHasAudio: bool = false;
let initRate: u32 = 0;
let initChannels: u32 = 0;
let initObjectType: u32 = 0;

let samples: u32 = 0;
let payloadBytes: u32 = 0;
let videoStartDts: i64 = 0;
let videoFirst: bool = true; // the next video sample is the segment's first
let audioStart: i64 = 0; // decode time of the segment's first audio sample, audio timescale
let audioNext: i64 = -1; // where the audio timeline continues, -1 before any audio
let audioInSegment: bool = false;
let segmentAudioRate: u32 = 0;
export let headLength: u32 = 0;

export function setContainer(kind: u32): void {
  containerAuto = kind == CONTAINER_AUTO;
  container = kind;
}

/** The container is "auto" and the codec is known now: the container follows it (for the rest of this init). */
export function resolveContainer(): void {
  if (containerAuto && container == CONTAINER_AUTO && codecDecided) container = containerForCodec(codecIsHevc);
}

/** The layout needs the fMP4 area: fMP4, or auto (the codec is seen only in the first frame). */
export function containerMayBeFmp4(): bool {
  return container != CONTAINER_TS || containerAuto;
}

export function fmp4Reset(): void {
  if (containerAuto) container = CONTAINER_AUTO;
  initVersion = 0;
  memory.fill(initSetLengths, 0, 3 * 4);
  initRate = initChannels = initObjectType = 0;
  initHasAudio = false;
  samples = 0;
  audioNext = -1;
}

// @ts-ignore: decorator
@inline function sampleEntry(i: u32): usize {
  return fmp4Area + <usize>i * ENTRY;
}

/** The table has room for n more samples (a segment longer than FMP4_MAX_SAMPLES cannot be described). */
export function fmp4HasRoom(n: u32 = 1): bool {
  return samples + n <= FMP4_MAX_SAMPLES;
}

/** The most the head can take once one more sample is in: the ring room a video frame must leave for it. */
export function fmp4HeadRoom(): u32 {
  return fmp4HeadBound(samples + 1);
}

/** Bytes the moof will grow by per sample, for the muxer's room checks. */
export const FMP4_SAMPLE_HEAD_BYTES: u32 = 36;

// ---- The ring: byte writes that wrap ----

function ringWrite(src: usize, n: u32): void {
  let first = ringCapacity - writePos;
  if (n <= first) {
    memory.copy(ringBase + writePos, src, n);
  } else {
    memory.copy(ringBase + writePos, src, first);
    memory.copy(ringBase, src + first, n - first);
  }
  advanceBytes(n);
}

const wordScratch: usize = memory.data(4);

function ringWriteU32(v: u32): void {
  let word: u32 = bswap<u32>(v);
  if (ringCapacity - writePos >= 4) {
    store<u32>(ringBase + writePos, word);
    advanceBytes(4);
  } else {
    store<u32>(wordScratch, word);
    ringWrite(wordScratch, 4);
  }
}

function addSample(kind: u32, size: u32, cto: u32, time: i64): void {
  let e = sampleEntry(samples);
  store<u32>(e + S_KIND, kind);
  store<u32>(e + S_SIZE, size);
  store<u32>(e + S_OFFSET, payloadBytes);
  store<u32>(e + S_CTO, cto);
  store<i64>(e + S_TIME, time);
  samples++;
  payloadBytes += size;
}

// ---- Video ----

/**
 * At most the bytes the access unit [from, end) takes as length-prefixed NAL units: each 3-byte start code may
 * become a 4-byte length, and a NAL unit with its start code is at least 4 bytes. (A bound, not a count: the
 * unit's bytes are scanned once, while they are written.)
 */
export function videoSampleBound(from: usize, end: usize): u32 {
  let length = <u32>(end - from);
  return length + length / 4 + 4;
}

// With SIMD the slice data is read in 64-byte blocks, and each is tested, with a few vector operations on the
// bytes the copy loads anyway, for whether a start code may begin in it. Seen as 16-bit lanes (little-endian, at
// even offsets from the block's start), a start code 00 00 01 at an even offset has a lane 0x0000 and at an odd
// one the next lane is 00 01: a lane whose first byte is 0 and second at most 1. Tested on the bytewise minimum of
// the block's four vectors such a lane cannot be missed (each byte of the minimum is at most the vectors' ones);
// in slice data the test is true for about one block in a hundred (an emulation prevention 00 00 03, or zero and
// small bytes in different vectors), and then the block is searched exactly.

/** The 64 bytes a-d (from p) may hold the start of a start code: at p - 1 to p + 62. */
// @ts-ignore: decorator
@inline function mayHoldStartCode(a: v128, b: v128, c: v128, d: v128): bool {
  let least = i8x16.min_u(i8x16.min_u(a, b), i8x16.min_u(c, d));
  // Bytes 00 01 subtracted (saturating) from each lane: a lane 00 0x with x <= 1 becomes 0. (A bit mask of the
  // zero lanes is tested: V8 makes all_true a longer sequence.)
  return i8x16.bitmask(i16x8.eq(i8x16.sub_sat_u(least, i16x8.splat(0x0100)), i16x8.splat(0))) != 0;
}

// @ts-ignore: decorator
@inline function mayHoldStartCodeAt(p: usize): bool {
  return mayHoldStartCode(v128.load(p), v128.load(p + 16), v128.load(p + 32), v128.load(p + 48));
}

/** Bit q set for each q in 0..15 where bytes p + q and p + q + 1 are both zero. */
// @ts-ignore: decorator
@inline function zeroPairs16(p: usize): u64 {
  return <u64>i8x16.bitmask(i8x16.eq(v128.or(v128.load(p), v128.load(p + 1)), i8x16.splat(0)));
}

/** The first start code (00 00 01) that begins at p to p + 63 (its end may be two bytes further), or p + 64. */
function startCodeInBlock(p: usize): usize {
  let pairs = zeroPairs16(p) | zeroPairs16(p + 16) << 16 | zeroPairs16(p + 32) << 32 | zeroPairs16(p + 48) << 48;
  while (pairs != 0) {
    let q = p + <usize>ctz(pairs);
    if (load<u8>(q + 2) == 1) return q;
    pairs &= pairs - 1; // a pair that is not a start code: 00 00 03, or zero bytes before one
  }
  return p + 64;
}

/** The first start code that begins in the last 66 bytes before end, or end. */
function startCodeNear(end: usize): usize {
  let found = startCodeInBlock(end - 66);
  return found < end - 2 ? found : end;
}

/** The next 00 00 01 at or after p (before end), or end. */
function nextStartCode(p: usize, end: usize): usize {
  if (ASC_FEATURE_SIMD) {
    while (p + 66 <= end) {
      // (The test from p + 1 covers start codes at p to p + 63.)
      if (mayHoldStartCodeAt(p + 1)) {
        let found = startCodeInBlock(p);
        if (found < p + 64) return found;
      }
      p += 64;
    }
  }
  return findStartCode(p, end);
}

/** End of the NAL unit at header: the next start code, less the zero bytes before it. */
function endOfNal(header: usize, end: usize): usize {
  return trimZeros(header, nextStartCode(header, end));
}

/** stop less the zero bytes before it (not before header): a NAL unit does not end in a zero byte. */
// @ts-ignore: decorator
@inline function trimZeros(header: usize, stop: usize): usize {
  while (stop > header && load<u8>(stop - 1) == 0) stop--;
  return stop;
}

/**
 * NAL units a sample leaves out: AUDs (fMP4 has no use for them), and for H.265 the VPS/SPS/PPS of an IRAP picture
 * (hvc1: the parameter sets are in hvcC, and a new one cuts the segment and makes a new init segment).
 */
// @ts-ignore: decorator
@inline function leftOut(first: u8, irap: bool): bool {
  if (!codecIsHevc) return nalType(first) == NAL_AUD;
  let type = hevcNalType(first);
  return type == HEVC_AUD || (irap && type >= HEVC_VPS && type < HEVC_AUD);
}

/**
 * Writes the NAL unit at header into the ring with its 4-byte length; returns where it ends. With SIMD, each
 * block is stored as it is read and then tested, so the bytes are read once (as the TS packetizer does); a block
 * with a pair of zeros but no start code (00 00 03) is slice data like any other. The block holding the next start
 * code is stored whole: the bytes after the unit's end are within the room the muxer checked for the access unit
 * (videoSampleBound) and the next unit overwrites them. The length goes in front once the end is known. Same
 * bytes as without SIMD.
 */
function writeNal(header: usize, end: usize): usize {
  let stop: usize;
  if (ASC_FEATURE_SIMD) {
    let lengthAt = writePos;
    let length = <u32>(end - header);
    let room = <u32>(ringCapacity - lengthAt); // before the ring's end
    if (room >= 68 && length >= 66) {
      // Whole blocks that fit before the ring's end and before end (the exact search of a block reads past it).
      let fit = min(length - 2, room - 4);
      let blocksEnd = header + <usize>(fit & ~63);
      let toRing = ringBase + lengthAt + 4 - header; // (wraps: p + toRing is where the byte at p goes)
      let p = header;
      let found = end;
      while (true) {
        // The hot loop makes no call (a call in it would make V8 keep its values in memory).
        let hit = false;
        do {
          let a = v128.load(p);
          let b = v128.load(p + 16);
          let c = v128.load(p + 32);
          let d = v128.load(p + 48);
          v128.store(p + toRing, a);
          v128.store(p + toRing, b, 16);
          v128.store(p + toRing, c, 32);
          v128.store(p + toRing, d, 48);
          if (mayHoldStartCode(a, b, c, d)) {
            hit = true;
            break;
          }
          p += 64;
        } while (p < blocksEnd);
        if (!hit) break;
        let sc = startCodeInBlock(p - 1);
        p += 64;
        if (sc < p - 1) {
          found = sc;
          break;
        }
        if (p >= blocksEnd) break;
      }
      // Bytes [header, p) are in the ring, and no start code begins before p - 1. The few bytes after the last
      // block (the unit ran to the access unit's end) are searched as one block ending at end, and copied here:
      // memory.copy is a call out of the module in V8.
      if (found == end) found = end - p <= 65 ? startCodeNear(end) : nextStartCode(p - 1, end); // (p - 1 >= end - 66)
      stop = trimZeros(header, found);
      if (stop == header) return stop; // an empty unit: nothing written
      let size: u32 = 4 + <u32>(stop - header);
      if (stop <= p) {
        advanceBytes(size);
      } else if (stop - p <= 66 && size <= room) {
        copyShort(p + toRing, p, <u32>(stop - p));
        advanceBytes(size);
      } else {
        advanceBytes(4 + <u32>(p - header));
        ringWrite(p, <u32>(stop - p));
      }
      store<u32>(ringBase + lengthAt, bswap<u32>(<u32>(stop - header)));
      return stop;
    }
  }
  stop = endOfNal(header, end);
  let length = <u32>(stop - header);
  if (length > 0) {
    ringWriteU32(length);
    ringWrite(header, length);
  }
  return stop;
}

/** Writes the access unit as one sample (room checked by the caller, videoSampleBytes(from, end) bytes). */
export function writeVideoSample(from: usize, end: usize, pts: i64, dts: i64, isIdr: bool): void {
  if (videoFirst) {
    videoStartDts = dts;
    videoFirst = false;
  }
  let size: u32 = 0;
  let sc = nextStartCode(from, end);
  while (sc < end) {
    let header = sc + 3;
    let stop: usize;
    if (header < end && leftOut(load<u8>(header), isIdr)) {
      stop = endOfNal(header, end);
    } else {
      stop = writeNal(header, end);
      if (stop > header) size += 4 + <u32>(stop - header);
    }
    sc = nextStartCode(stop, end);
  }
  addSample(isIdr ? KIND_SYNC : KIND_NON_SYNC, size, <u32>(pts - dts), dts);
}

// ---- Audio ----

/** The raw AAC payload of the ADTS frame at p (its header dropped), as one sample; pts in 90 kHz ticks. */
export function writeAudioSample(p: usize, frameLength: u32, pts: i64, rate: u32): void {
  let header: u32 = load<u8>(p + 1) & 1 ? 7 : 9;
  let duration: i64 = 1024 * ((<i64>load<u8>(p + 6) & 3) + 1);
  if (!audioInSegment) {
    audioInSegment = true;
    segmentAudioRate = rate;
    // The timeline continues where it left off unless the frame is more than one frame away from it (a gap).
    let t = (pts + DECODE_TIME_OFFSET) * <i64>rate / 90000;
    if (audioNext >= 0 && t - audioNext < duration && audioNext - t < duration) t = audioNext;
    audioStart = t;
  }
  ringWrite(p + header, frameLength - header);
  addSample(KIND_AUDIO, frameLength - header, 0, duration);
}

// ---- Segments ----

// Which init segment each segment in the table needs, by sequence number.
const segmentInits: usize = memory.data(MAX_SEGMENTS * 4);
export function segInitVersion(seq: u32): u32 {
  return load<u32>(segmentInits + (<usize>(seq % MAX_SEGMENTS) << 2));
}
// How long each segment's head (moof + mdat header) is: it was written last, after the samples, and is handed out first.
const segmentHeads: usize = memory.data(MAX_SEGMENTS * 4);
export function segHeadBytes(seq: u32): u32 {
  return load<u32>(segmentHeads + (<usize>(seq % MAX_SEGMENTS) << 2));
}

/** A new segment (sequence number seq): its samples start here. */
export function beginFmp4Segment(seq: u32): void {
  store<u32>(segmentInits + (<usize>(seq % MAX_SEGMENTS) << 2), initVersion);
  samples = 0;
  payloadBytes = 0;
  videoFirst = true;
  audioInSegment = false;
}

function countRuns(kind: u32): u32 {
  let runs: u32 = 0;
  let nextOffset: u32 = 0xffffffff;
  for (let i: u32 = 0; i < samples; i++) {
    let e = sampleEntry(i);
    if ((load<u32>(e + S_KIND) == KIND_AUDIO) != (kind == KIND_AUDIO)) continue;
    if (load<u32>(e + S_OFFSET) != nextOffset) runs++;
    nextOffset = load<u32>(e + S_OFFSET) + load<u32>(e + S_SIZE);
  }
  return runs;
}

function countTrack(audio: bool): u32 {
  let n: u32 = 0;
  for (let i: u32 = 0; i < samples; i++) if ((load<u32>(sampleEntry(i) + S_KIND) == KIND_AUDIO) == audio) n++;
  return n;
}

/** The next sample of the track at or after i, or samples. */
function nextOf(i: u32, audio: bool): u32 {
  while (i < samples && (load<u32>(sampleEntry(i) + S_KIND) == KIND_AUDIO) != audio) i++;
  return i;
}

function writeTraf(audio: bool, moofSize: u32, endDts: i64): void {
  openBox(0x74726166); // traf
  openFullBox(0x74666864, 0, 0x020000); // tfhd: default-base-is-moof
  put32(audio ? AUDIO_TRACK : VIDEO_TRACK);
  closeBox();
  openFullBox(0x74666474, 1, 0); // tfdt
  put64(<u64>(audio ? audioStart : videoStartDts + DECODE_TIME_OFFSET));
  closeBox();
  let i = nextOf(0, audio);
  while (i < samples) {
    // One run: samples of this track that follow each other in the mdat.
    let count: u32 = 0;
    let j = i;
    let expect = load<u32>(sampleEntry(i) + S_OFFSET);
    while (j < samples && load<u32>(sampleEntry(j) + S_OFFSET) == expect) {
      expect += load<u32>(sampleEntry(j) + S_SIZE);
      count++;
      j = nextOf(j + 1, audio);
    }
    openFullBox(0x7472756e, 0, audio ? 0x000301 : 0x000f01); // trun: data offset, durations, sizes (+ flags, cto)
    put32(count);
    put32(moofSize + 8 + load<u32>(sampleEntry(i) + S_OFFSET));
    let k = i;
    for (let c: u32 = 0; c < count; c++) {
      let e = sampleEntry(k);
      let next = nextOf(k + 1, audio);
      if (audio) {
        put32(<u32>load<i64>(e + S_TIME));
        put32(load<u32>(e + S_SIZE));
      } else {
        // A duration needs the next frame's DTS; the last frame's runs to the segment's end.
        let end = next < samples ? load<i64>(sampleEntry(next) + S_TIME) : endDts;
        put32(<u32>(end - load<i64>(e + S_TIME)));
        put32(load<u32>(e + S_SIZE));
        put32(load<u32>(e + S_KIND) == KIND_SYNC ? 0x02000000 : 0x01010000);
        put32(load<u32>(e + S_CTO));
      }
      k = next;
    }
    closeBox();
    i = j;
  }
  closeBox();
}

/**
 * Builds the head (moof + mdat header) of the open segment in the scratch area; returns its length. The video's
 * last sample lasts until endDts. sequence is the mfhd sequence number.
 */
export function buildHead(sequence: u32, endDts: i64): u32 {
  let videoCount = countTrack(false);
  let audioCount = initHasAudio ? samples - videoCount : 0; // (without the track, audio bytes stay unreferenced)
  let moofSize: u32 = 8 + 16;
  if (videoCount > 0) moofSize += 8 + 16 + 20 + countRuns(KIND_SYNC) * 20 + videoCount * 16;
  if (audioCount > 0) moofSize += 8 + 16 + 20 + countRuns(KIND_AUDIO) * 20 + audioCount * 8;
  let head = fmp4Area + <usize>FMP4_MAX_SAMPLES * ENTRY;
  boxesAt(head);
  openBox(0x6d6f6f66); // moof
  openFullBox(0x6d666864, 0, 0); // mfhd
  put32(sequence);
  closeBox();
  if (videoCount > 0) writeTraf(false, moofSize, endDts);
  if (audioCount > 0) writeTraf(true, moofSize, endDts);
  closeBox();
  put32(8 + payloadBytes);
  put32(0x6d646174); // mdat
  if (audioCount > 0) {
    let total: i64 = 0;
    for (let i: u32 = 0; i < samples; i++) {
      let e = sampleEntry(i);
      if (load<u32>(e + S_KIND) == KIND_AUDIO) total += load<i64>(e + S_TIME);
    }
    audioNext = audioStart + total;
  }
  headLength = <u32>(boxCursor() - head);
  return headLength;
}

/** Copies the head built by buildHead into the ring after the samples; seq is the segment's sequence number. */
export function commitHead(seq: u32): void {
  ringWrite(fmp4Area + <usize>FMP4_MAX_SAMPLES * ENTRY, headLength);
  store<u32>(segmentHeads + (<usize>(seq % MAX_SEGMENTS) << 2), headLength);
}

/**
 * Bytes of the segment as handed out (head first) that hold its first picture: the moof, the mdat header and the
 * mdat payload up to the end of the first video sample (the IRAP the segment starts with), audio muxed before it
 * included. Those bytes and the init segment decode to that one picture (an I-frame playlist entry, a thumbnail).
 * After buildHead; 0 for a segment without video.
 */
export function firstPictureBytes(): u32 {
  let first = nextOf(0, false);
  if (first >= samples) return 0;
  let e = sampleEntry(first);
  return headLength + load<u32>(e + S_OFFSET) + load<u32>(e + S_SIZE);
}

// ---- The init segment ----

// The parameter sets the current init segment was built from: H.264 SPS, PPS; H.265 VPS, SPS, PPS.
const INIT_SET_MAX: u32 = MAX_PARAM_SET > HEVC_MAX_PARAM_SET ? MAX_PARAM_SET : HEVC_MAX_PARAM_SET;
const initSets: usize = memory.data(3 * INIT_SET_MAX);
const initSetLengths: usize = memory.data(3 * 4);

function latestSet(i: u32): usize {
  if (codecIsHevc) return i == 0 ? vpsStore : i == 1 ? hevcSpsStore : hevcPpsStore;
  return i == 0 ? spsStore : ppsStore;
}

function latestSetLength(i: u32): u32 {
  if (codecIsHevc) return i == 0 ? vpsLength : i == 1 ? hevcSpsLength : hevcPpsLength;
  return i == 0 ? spsLength : i == 1 ? ppsLength : 0;
}

function initSet(i: u32): usize {
  return initSets + <usize>(i * INIT_SET_MAX);
}

function initSetLength(i: u32): u32 {
  return load<u32>(initSetLengths + (<usize>i << 2));
}

function setsDiffer(): bool {
  for (let i: u32 = 0; i < 3; i++) {
    let length = latestSetLength(i);
    if (length != initSetLength(i) || memory.compare(latestSet(i), initSet(i), length) != 0) return true;
  }
  return false;
}

/** The latest parameter sets differ from the init segment's: a new segment (and init segment) must start at this IDR. */
export function parameterSetsChanged(): bool {
  return initVersion > 0 && setsDiffer();
}

/**
 * The audio's format became known during a segment opened without an audio track because the host said audio would
 * come (setAudioExpected): the init segment gains the track, and that segment (seq) needs the new version, so its
 * audio plays. False when the video's parameter sets have moved on since (this init cannot be rebuilt for it).
 */
export function addAudioTrack(seq: u32, rate: u32, channels: u32, objectType: u32): bool {
  if (initHasAudio || initVersion == 0 || setsDiffer()) return false;
  newInitVersion(true, rate, channels, objectType);
  store<u32>(segmentInits + (<usize>(seq % MAX_SEGMENTS) << 2), initVersion);
  return true;
}

/** Rebuilds the init segment if the parameter sets or the audio format changed; whether it has an audio track. */
export function refreshInit(audioKnown: bool, rate: u32, channels: u32, objectType: u32): bool {
  let same = initVersion > 0 && !setsDiffer() &&
    audioKnown == initHasAudio && (!audioKnown || (rate == initRate && channels == initChannels && objectType == initObjectType));
  if (same) return initHasAudio;
  for (let i: u32 = 0; i < 3; i++) {
    let length = latestSetLength(i);
    memory.copy(initSet(i), latestSet(i), length);
    store<u32>(initSetLengths + (<usize>i << 2), length);
  }
  if (audioKnown && rate != segmentAudioRate) audioNext = -1;
  newInitVersion(audioKnown, rate, channels, objectType);
  return initHasAudio;
}

/** The next init segment version, built from the stored parameter sets and this audio format. */
function newInitVersion(audioKnown: bool, rate: u32, channels: u32, objectType: u32): void {
  initHasAudio = audioKnown;
  initRate = rate;
  initChannels = channels;
  initObjectType = objectType;
  initVersion++;
  buildInit(initAreaOf(initVersion));
}

function buildInit(area: usize): void {
  boxesAt(area);
  openBox(0x66747970); // ftyp
  put32(0x69736f36); // major brand iso6
  put32(0);
  put32(0x69736f36); // iso6
  put32(0x636d6663); // cmfc
  put32(0x69736f6d); // isom
  put32(codecIsHevc ? 0x68766331 : 0x61766331); // hvc1 / avc1
  closeBox();
  openBox(0x6d6f6f76); // moov
  openFullBox(0x6d766864, 0, 0); // mvhd
  put32(0); put32(0); // creation, modification
  put32(1000); // timescale
  put32(0); // duration: unknown (fragments)
  put32(0x00010000); // rate 1.0
  put16(0x0100); // volume 1.0
  zeros(10);
  unityMatrix();
  zeros(24); // pre_defined
  put32(initHasAudio ? 3 : 2); // next_track_ID
  closeBox();
  writeVideoTrak();
  if (initHasAudio) writeAudioTrak();
  openBox(0x6d766578); // mvex
  writeTrex(VIDEO_TRACK);
  if (initHasAudio) writeTrex(AUDIO_TRACK);
  closeBox();
  closeBox();
  store<u32>(initLengths + (<usize>(initVersion & 1) << 2), <u32>(boxCursor() - area));
}

function writeTrex(track: u32): void {
  openFullBox(0x74726578, 0, 0); // trex
  put32(track);
  put32(1); // sample description index
  put32(0); put32(0); put32(0); // default duration, size, flags
  closeBox();
}

function writeTkhd(track: u32, audio: bool): void {
  openFullBox(0x746b6864, 0, 3); // tkhd: enabled, in movie
  put32(0); put32(0);
  put32(track);
  put32(0); // reserved
  put32(0); // duration
  zeros(8);
  put16(0); // layer
  put16(audio ? 1 : 0); // alternate group
  put16(audio ? 0x0100 : 0); // volume
  put16(0);
  unityMatrix();
  put32(audio ? 0 : videoWidth() << 16);
  put32(audio ? 0 : videoHeight() << 16);
  closeBox();
}

function writeMdhdHdlr(timescale: u32, audio: bool): void {
  openFullBox(0x6d646864, 0, 0); // mdhd
  put32(0); put32(0);
  put32(timescale);
  put32(0);
  put16(0x55c4); // language "und"
  put16(0);
  closeBox();
  openFullBox(0x68646c72, 0, 0); // hdlr
  put32(0);
  put32(audio ? 0x736f756e : 0x76696465); // soun / vide
  zeros(12);
  if (audio) { put32(0x536f756e); put16(0x6400); } else { put32(0x56696465); put16(0x6f00); } // "Sound", "Video" + NUL
  closeBox();
}

/** dinf with one dref entry: the media is in this file. */
function writeDinf(): void {
  openBox(0x64696e66); // dinf
  openFullBox(0x64726566, 0, 0); // dref
  put32(1);
  openFullBox(0x75726c20, 0, 1); // "url ": media in this file
  closeBox();
  closeBox();
  closeBox();
}

function writeEmptySampleTables(): void {
  openFullBox(0x73747473, 0, 0); put32(0); closeBox(); // stts
  openFullBox(0x73747363, 0, 0); put32(0); closeBox(); // stsc
  openFullBox(0x7374737a, 0, 0); put32(0); put32(0); closeBox(); // stsz
  openFullBox(0x7374636f, 0, 0); put32(0); closeBox(); // stco
}

/**
 * trak, tkhd, mdia (mdhd, hdlr), minf with its media header and dinf, stbl and an stsd of one entry: every box of a
 * track down to its sample entry, left open for the entry; closeTrak() closes them after it.
 */
function openTrak(track: u32, timescale: u32, audio: bool): void {
  openBox(0x7472616b); // trak
  writeTkhd(track, audio);
  openBox(0x6d646961); // mdia
  writeMdhdHdlr(timescale, audio);
  openBox(0x6d696e66); // minf
  if (audio) { openFullBox(0x736d6864, 0, 0); put32(0); closeBox(); } // smhd
  else { openFullBox(0x766d6864, 0, 1); zeros(8); closeBox(); } // vmhd
  writeDinf();
  openBox(0x7374626c); // stbl
  openFullBox(0x73747364, 0, 0); // stsd
  put32(1);
}

/** After the sample entry: stsd closed, the empty sample tables (fragments carry the samples), stbl to trak closed. */
function closeTrak(): void {
  closeBox(); // stsd
  writeEmptySampleTables();
  closeBox(); // stbl
  closeBox(); // minf
  closeBox(); // mdia
  closeBox(); // trak
}

function writeVideoTrak(): void {
  openTrak(VIDEO_TRACK, VIDEO_TIMESCALE, false);
  openBox(codecIsHevc ? 0x68766331 : 0x61766331); // hvc1 / avc1
  zeros(6);
  put16(1); // data reference index
  zeros(16);
  put16(videoWidth());
  put16(videoHeight());
  put32(0x00480000); put32(0x00480000); // 72 dpi
  put32(0);
  put16(1); // frame count
  zeros(32); // compressor name
  put16(0x0018); // depth
  put16(0xffff); // pre_defined -1
  if (codecIsHevc) writeHvcC();
  else writeAvcC();
  closeBox(); // avc1 / hvc1
  closeTrak();
}

function videoWidth(): u32 {
  return codecIsHevc ? hevcWidth : spsWidth;
}

function videoHeight(): u32 {
  return codecIsHevc ? hevcHeight : spsHeight;
}

function writeAvcC(): void {
  let sps = initSet(0);
  let spsBytes = initSetLength(0);
  let ppsBytes = initSetLength(1);
  openBox(0x61766343); // avcC
  put8(1);
  put8(load<u8>(sps + 1)); // profile, constraints, level straight from the SPS
  put8(load<u8>(sps + 2));
  put8(load<u8>(sps + 3));
  put8(0xff); // 4-byte NAL lengths
  put8(0xe1); // one SPS
  put16(spsBytes);
  bytes(sps, spsBytes);
  put8(1); // one PPS
  put16(ppsBytes);
  bytes(initSet(1), ppsBytes);
  closeBox();
}

/** HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 8.3.3.1.2) from the VPS/SPS/PPS stored (h265.ts read them). */
function writeHvcC(): void {
  openBox(0x68766343); // hvcC
  put8(1); // configurationVersion
  put8((hevcProfileSpace << 6) | (hevcTier << 5) | hevcProfileIdc);
  put32(hevcCompatFlags);
  put32(hevcConstraintHigh);
  put16(hevcConstraintLow);
  put8(hevcLevelIdc);
  put16(0xf000 | hevcMinSpatialSegmentation);
  // parallelismType: what the PPS's tools allow (only meaningful with a min_spatial_segmentation_idc).
  let parallelism: u32 = 0;
  if (hevcMinSpatialSegmentation > 0) {
    parallelism = hevcPpsTiles && hevcPpsWavefronts ? 0 : hevcPpsWavefronts ? 3 : hevcPpsTiles ? 2 : 1;
  }
  put8(0xfc | parallelism);
  put8(0xfc | hevcChromaFormat);
  put8(0xf8 | (hevcBitDepthLuma - 8));
  put8(0xf8 | (hevcBitDepthChroma - 8));
  put16(0); // avgFrameRate: unspecified
  let layers = hevcVpsMaxSubLayers > hevcSpsMaxSubLayers ? hevcVpsMaxSubLayers : hevcSpsMaxSubLayers;
  // constantFrameRate 0, numTemporalLayers, temporalIdNested, lengthSizeMinusOne 3
  put8((layers << 3) | (hevcTemporalIdNested << 2) | 3);
  put8(3); // numOfArrays: VPS, SPS, PPS, one each
  for (let i: u32 = 0; i < 3; i++) {
    put8(0x80 | (HEVC_VPS + i)); // array_completeness 1: hvc1 carries no parameter sets in the samples
    put16(1);
    put16(initSetLength(i));
    bytes(initSet(i), initSetLength(i));
  }
  closeBox();
}

function writeAudioTrak(): void {
  openTrak(AUDIO_TRACK, initRate, true);
  openBox(0x6d703461); // mp4a
  zeros(6);
  put16(1);
  zeros(8);
  put16(initChannels);
  put16(16); // sample size
  put32(0);
  put32(initRate << 16);
  openFullBox(0x65736473, 0, 0); // esds
  // ES_Descriptor (tag 3) holding DecoderConfigDescriptor (4) with the AudioSpecificConfig (5), and SLConfig (6).
  put8(3); put8(23); put16(AUDIO_TRACK); put8(0);
  put8(4); put8(15); put8(0x40); put8(0x15); put24(0); put32(0); put32(0);
  put8(5); put8(2);
  let asc: u32 = (initObjectType << 11) | (sampleRateIndex(initRate) << 7) | (initChannels << 3);
  put16(asc);
  put8(6); put8(1); put8(2);
  closeBox(); // esds
  closeBox(); // mp4a
  closeTrak();
}
