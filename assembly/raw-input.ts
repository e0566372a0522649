// Raw elementary-stream readers for files and pipes (the `mux` command and the WASI build): they cut an
// Annex B byte stream into access units and an ADTS stream into frames, and time them from the frame rate
// and the sample rate. Raw H.264 is in decode order: presentation times come from the picture order count.
import { inputPtr, inputCapacity, rawChunk, rawAudioBuffer, RAW_CHUNK_BYTES, RAW_AUDIO_BYTES } from "./layout";
import { findStartCode, parseSliceHeader, slicePocLsb, spsPocType, spsLog2MaxPocLsb, spsProfile, spsReorderFrames, NAL_SLICE, NAL_IDR } from "./h264";
import { scanAccessUnit, AU_OK, auIsIdr, auFirstSlice, auFirstSliceLength, auSliceRefIdc } from "./access-unit";
import { parseAdtsHeader, adtsFrameLength, adtsSampleRate, adtsSamples } from "./adts";
import { muxVideo, muxAudio, countLostVideoFrame, OK } from "./muxer";

let fpsNum: i64 = 25;
let fpsDen: i64 = 1;
let wallStartMs: f64 = 0;

// ---- Video ----
let auLength: u32 = 0; // bytes of the current unit (and what follows) in the input area
let scanFrom: u32 = 0; // where the next start-code search resumes
let auHasPicture: bool = false;
let synced: bool = false; // found the first start code
let overflowed: bool = false; // the current unit did not fit: skip to the next one
let decodeIndex: i64 = 0;
let gopStart: i64 = 0; // decode index of the last IDR
let gopPocBase: i32 = 0;
let reorderDelay: i64 = -1;
let prevPocMsb: i32 = 0;
let prevPocLsb: i32 = 0;

// ---- Audio ----
let audioLength: u32 = 0;
let audioSamples: i64 = 0;
let audioRate: i64 = 0;

export function rawInit(num: u32, den: u32, wallMs: f64): void {
  fpsNum = <i64>num;
  fpsDen = <i64>den;
  wallStartMs = wallMs;
  auLength = scanFrom = 0;
  auHasPicture = synced = overflowed = false;
  decodeIndex = gopStart = 0;
  gopPocBase = 0;
  reorderDelay = -1;
  prevPocMsb = prevPocLsb = 0;
  audioLength = 0;
  audioSamples = 0;
  audioRate = 0;
}

/**
 * Starts the inputs over (a clip played in a loop) while the stream time goes on: video continues after its last
 * frame, audio is realigned to the video so the two never drift apart loop after loop. The video stream is ended
 * first (its last access unit is complete: the input's end is its end), so a caller cannot lose it by forgetting
 * rawVideoEnd; after rawVideoEnd this ends nothing more. Returns the units muxed by that end.
 */
export function rawRewind(): u32 {
  let muxed = rawVideoEnd();
  auLength = scanFrom = 0;
  auHasPicture = synced = overflowed = false;
  audioLength = 0;
  if (audioRate != 0) audioSamples = (frameTicks(decodeIndex) * audioRate) / 90000;
  return muxed;
}

export function rawChunkPtr(): usize {
  return rawChunk;
}

/** 90 kHz ticks of frame n at the configured rate (exact integer arithmetic). */
function frameTicks(n: i64): i64 {
  return (n * 90000 * fpsDen) / fpsNum;
}

/** The stream time, in ticks, of the next video frame. */
export function rawVideoTime(): f64 {
  return <f64>frameTicks(decodeIndex);
}

/** The stream time, in ticks, of the next audio frame. */
export function rawAudioTime(): f64 {
  if (audioRate == 0) return 0;
  return <f64>((audioSamples * 90000) / audioRate);
}

/** Picture order count of the unit's first slice (type 0 and 2; type 1 is treated as decode order). */
function pictureOrder(): i32 {
  if (!parseSliceHeader(auFirstSlice, auFirstSliceLength)) return <i32>(decodeIndex - gopStart) * 2;
  if (spsPocType != 0) return <i32>(decodeIndex - gopStart) * 2;
  let lsb = <i32>slicePocLsb;
  let maxLsb: i32 = 1 << spsLog2MaxPocLsb;
  if (auIsIdr) {
    prevPocMsb = 0;
    prevPocLsb = 0;
  }
  let msb = prevPocMsb;
  if (lsb < prevPocLsb && prevPocLsb - lsb >= maxLsb / 2) msb = prevPocMsb + maxLsb;
  else if (lsb > prevPocLsb && lsb - prevPocLsb > maxLsb / 2) msb = prevPocMsb - maxLsb;
  if (auSliceRefIdc != 0) {
    prevPocMsb = msb;
    prevPocLsb = lsb;
  }
  return msb + lsb;
}

/**
 * Muxes the first `len` bytes of the input area as one access unit, timed from its position and POC.
 * The first picture is presented at 0 (where audio starts too); decode times run `delay` frames earlier.
 */
function emitUnit(len: u32): void {
  let scan = scanAccessUnit(inputPtr, len);
  let dIndex = decodeIndex++;
  let pIndex = dIndex;
  if (scan == AU_OK) {
    if (reorderDelay < 0) {
      // The stream says how far presentation can lag decoding; baseline has no B-frames.
      reorderDelay = spsReorderFrames >= 0 ? <i64>spsReorderFrames : spsProfile == 66 ? 0 : 2;
    }
    if (auIsIdr) gopStart = dIndex;
    let poc = pictureOrder();
    if (auIsIdr) gopPocBase = poc;
    pIndex = gopStart + <i64>((poc - gopPocBase) >> 1);
  }
  let delay = reorderDelay < 0 ? 0 : reorderDelay;
  let dts = frameTicks(dIndex) - frameTicks(delay);
  // (A stream that reorders more than it announced gets PTS = DTS for those frames: never PTS < DTS.)
  let pts = frameTicks(pIndex);
  muxVideo(len, pts, dts, wallStartMs + <f64>pts / 90.0, scan);
}

/** NAL types that begin a new access unit when the current one already has a picture (H.264 7.4.1.2.3). */
function startsNewUnit(type: u32, header: usize, avail: u32): i32 {
  if (type == 9 || type == 7 || type == 8 || type == 6 || (type >= 14 && type <= 18)) return 1;
  if (type == NAL_SLICE || type == NAL_IDR) {
    if (avail < 2) return -1; // need one more byte
    // first_mb_in_slice == 0 ⇔ the first bit of its ue(v) code is 1.
    return load<u8>(header + 1) & 0x80 ? 1 : 0;
  }
  return 0;
}

/**
 * Appends `len` bytes from the chunk area to the stream and muxes every access unit completed by them.
 * Returns the number of units muxed.
 */
export function rawVideoPush(len: u32): u32 {
  return rawVideoPushFrom(rawChunk, len);
}

/** As rawVideoPush, from anywhere in memory (the WASI command reads large blocks and feeds them in pieces). */
export function rawVideoPushFrom(src: usize, len: u32): u32 {
  let muxed: u32 = 0;
  let left = len;
  while (left > 0) {
    // Copy as much as fits into the input area.
    let room = inputCapacity - auLength;
    if (room == 0) {
      // One unit is larger than the input area: drop it and resynchronise on the next unit.
      countLostVideoFrame(auLength);
      decodeIndex++;
      overflowed = true;
      // Keep the last 3 bytes: a start code may straddle.
      memory.copy(inputPtr, inputPtr + auLength - 3, 3);
      auLength = 3;
      scanFrom = 0;
      auHasPicture = true; // still inside the dropped picture: its end is the next unit boundary
      room = inputCapacity - auLength;
    }
    let n = left < room ? left : room;
    memory.copy(inputPtr + auLength, src, n);
    auLength += n;
    src += n;
    left -= n;
    muxed += scanUnits(false);
  }
  return muxed;
}

/** End of the video stream: the last unit is complete. Ending it again muxes nothing (nothing is left). */
export function rawVideoEnd(): u32 {
  let muxed = scanUnits(true);
  if (auHasPicture && !overflowed && auLength > 0) {
    emitUnit(auLength);
    muxed++;
  }
  auLength = scanFrom = 0;
  auHasPicture = false;
  return muxed;
}

function scanUnits(atEnd: bool): u32 {
  let muxed: u32 = 0;
  let base = inputPtr;
  for (;;) {
    let end = base + auLength;
    let sc = findStartCode(base + scanFrom, end);
    if (sc >= end) {
      scanFrom = auLength > 2 ? auLength - 2 : 0;
      return muxed;
    }
    let header = sc + 3;
    if (header >= end) {
      scanFrom = <u32>(sc - base);
      return muxed;
    }
    if (!synced) {
      // Drop whatever came before the first start code.
      let skip = <u32>(sc - base);
      memory.copy(base, sc, auLength - skip);
      auLength -= skip;
      synced = true;
      scanFrom = 3;
      let t = load<u8>(base + 3) & 0x1f;
      auHasPicture = t == NAL_SLICE || t == NAL_IDR;
      continue;
    }
    let type = <u32>(load<u8>(header) & 0x1f);
    let decision = startsNewUnit(type, header, <u32>(end - header));
    if (decision < 0) {
      if (atEnd) decision = 0;
      else {
        scanFrom = <u32>(sc - base);
        return muxed;
      }
    }
    let isPicture = type == NAL_SLICE || type == NAL_IDR;
    if (decision == 1 && auHasPicture) {
      // The unit ends here (less the zero bytes of a 4-byte start code, which go with the next one).
      let cut = sc;
      while (cut > base && load<u8>(cut - 1) == 0) cut--;
      let unitLength = <u32>(cut - base);
      if (overflowed) overflowed = false;
      else {
        emitUnit(unitLength);
        muxed++;
      }
      memory.copy(base, cut, auLength - unitLength);
      auLength -= unitLength;
      scanFrom = <u32>(sc - cut) + 3;
      auHasPicture = isPicture;
      continue;
    }
    if (isPicture) auHasPicture = true;
    scanFrom = <u32>(header - base);
  }
  return muxed; // (not reached)
}

// ---- Audio ----

export function rawAudioChunkPtr(): usize {
  return rawAudioBuffer + RAW_AUDIO_BYTES;
}

/** Appends `len` bytes (from rawAudioChunkPtr) of an ADTS stream and queues every whole frame. */
export function rawAudioPush(len: u32): i32 {
  return rawAudioPushFrom(rawAudioChunkPtr(), len);
}

/** As rawAudioPush, from anywhere in memory. */
export function rawAudioPushFrom(src: usize, len: u32): i32 {
  let result = OK;
  let left = len;
  while (left > 0) {
    let room = RAW_AUDIO_BYTES - audioLength;
    let n = left < room ? left : room;
    memory.copy(rawAudioBuffer + audioLength, src, n);
    audioLength += n;
    src += n;
    left -= n;
    let r = drainAudio();
    if (r != OK) result = r;
  }
  return result;
}

function drainAudio(): i32 {
  let result = OK;
  let p: u32 = 0;
  while (p + 7 <= audioLength) {
    if (!parseAdtsHeader(rawAudioBuffer + p, audioLength - p)) {
      p++; // resynchronise on the next sync word
      continue;
    }
    if (p + adtsFrameLength > audioLength) break;
    if (audioRate == 0) audioRate = <i64>adtsSampleRate;
    let samples = adtsSamples;
    let pts = (audioSamples * 90000) / audioRate;
    let r = muxAudio(rawAudioBuffer + p, adtsFrameLength, pts);
    if (r != OK) result = r;
    audioSamples += <i64>samples;
    p += adtsFrameLength;
  }
  if (p > 0) {
    memory.copy(rawAudioBuffer, rawAudioBuffer + p, audioLength - p);
    audioLength -= p;
  }
  return result;
}
