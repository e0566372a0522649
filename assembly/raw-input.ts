// Raw elementary-stream readers for files and pipes (the `mux` command and the WASI build): they cut an
// Annex B byte stream into access units and an ADTS stream into frames, and time them from the frame rate
// and the sample rate. Raw H.264 is in decode order: presentation times come from the picture order count.
// The frame rate is the host's, or else the one the stream's SPS carries in its VUI timing.
import { inputPtr, inputCapacity, rawChunk, rawAudioBuffer, RAW_AUDIO_BYTES } from "./layout";
import { reducedRate, reducedNum, reducedDen } from "./frame-rate";
import {
  RAW_CHUNK_BYTES, RAW_AUDIO_LEAD_TICKS, RATE_TERM_MAX, RS_WORDS, RS_RATE_NUM, RS_RATE_DEN, RS_STREAM_NUM, RS_STREAM_DEN, RS_NEEDS_RATE, RS_AUDIO_FRAMES,
  RS_AUDIO_UNSUPPORTED, RS_UNSUPPORTED_VIDEO, RS_REFUSED_OBJECT_TYPE, RS_REFUSED_SAMPLE_RATE, RS_REFUSED_CHANNELS, OK, DROP_MALFORMED, DROP_AUDIO_UNSUPPORTED,
} from "./abi";
import {
  findStartCode, parseSliceHeader, slicePocLsb, spsPocType, spsLog2MaxPocLsb, spsProfile, spsReorderFrames, spsLength, spsTimeScale,
  spsUnitsInTick, nalType, NAL_SLICE, NAL_IDR, NAL_SEI, NAL_SPS, NAL_PPS, NAL_AUD, NAL_RESERVED_14, NAL_RESERVED_18,
} from "./h264";
import { scanAccessUnit, AU_OK, AU_PARAMS_ONLY, auIsIdr, auFirstSlice, auFirstSliceLength, auSliceRefIdc } from "./access-unit";
import { parseAdtsHeader, adtsFixedHeader, adtsSupported, adtsFrameLength, adtsSampleRate, adtsSamples, adtsObjectType, adtsChannels } from "./adts";
import { muxVideo, muxAudio, countLostVideoFrame, countLostAudioFrame } from "./muxer";
import { codecIsHevc, codecSeeNal, codecSeeStart, codecRefusal } from "./codec";
import { hevcStartsNewUnit, hevcIsPicture, hevcPocReset, hevcPictureOrder, hevcPocRestarts, hevcRateNum, hevcRateDen, hevcReorder } from "./hevc-raw";
import { hevcSpsLength } from "./h265";

// ---- Frame rate ----
// fpsNum/fpsDen in lowest terms, each at most RATE_TERM_MAX so that frameTicks stays exact in i64; fpsNum is 0
// until the rate is known (the host gave none and no SPS was seen yet).
let fpsNum: i64 = 0;
let fpsDen: i64 = 1;
let rateGiven: bool = false;
let wallStartMs: f64 = 0;

// What the host reads after feeding: RS_WORDS u32 words at rawStatusPointer() (assembly/abi.ts RS_*).
const RAW_STATUS: usize = memory.data(RS_WORDS * 4);

// @ts-ignore: decorator
@inline function statusWord(word: u32): usize {
  return RAW_STATUS + (<usize>word << 2);
}

export function rawStatusPointer(): usize {
  return RAW_STATUS;
}

function useRate(num: u64, den: u64): void {
  fpsNum = <i64>num;
  fpsDen = <i64>den;
  store<u32>(statusWord(RS_RATE_NUM), <u32>num);
  store<u32>(statusWord(RS_RATE_DEN), <u32>den);
}

/**
 * The frame rate of the SPS's VUI timing: a frame lasts two ticks (E.2.1, DeltaTfiDivisor 2 for a frame), so
 * time_scale / (2 * num_units_in_tick), as x264 writes it (25 fps: 1 / 50). Noted for the host; used when the host
 * gave no rate. Returns false while the rate is unknown.
 */
function rateFromSps(): bool {
  if (codecIsHevc ? hevcSpsLength != 0 : spsLength != 0) {
    let ok = codecIsHevc ? reducedRate(<u64>hevcRateNum(), <u64>hevcRateDen()) : reducedRate(<u64>spsTimeScale, <u64>spsUnitsInTick * 2);
    store<u32>(statusWord(RS_STREAM_NUM), ok ? <u32>reducedNum : 0);
    store<u32>(statusWord(RS_STREAM_DEN), ok ? <u32>reducedDen : 0);
    if (!rateGiven && fpsNum == 0) {
      if (ok) useRate(reducedNum, reducedDen);
      store<u32>(statusWord(RS_NEEDS_RATE), ok ? 0 : 1);
    }
  }
  return fpsNum != 0;
}

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

/**
 * Starts the raw readers at num/den frames per second, or (num 0, or a rate out of range) at the rate the stream's
 * SPS gives. Returns 1 if the given rate is used, 0 if it is to come from the stream.
 */
export function rawInit(num: u32, den: u32, wallMs: f64): i32 {
  memory.fill(RAW_STATUS, 0, RS_WORDS * 4);
  fpsNum = 0;
  fpsDen = 1;
  rateGiven = reducedRate(<u64>num, <u64>den);
  if (rateGiven) useRate(reducedNum, reducedDen);
  wallStartMs = wallMs;
  auLength = scanFrom = 0;
  auHasPicture = synced = overflowed = false;
  decodeIndex = gopStart = 0;
  gopPocBase = 0;
  reorderDelay = -1;
  prevPocMsb = prevPocLsb = 0;
  hevcPocReset();
  audioLength = 0;
  audioSamples = 0;
  audioRate = 0;
  skipping = false;
  return rateGiven ? 1 : 0;
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
  skipping = false;
  if (audioRate != 0) audioSamples = (frameTicks(decodeIndex) * audioRate) / 90000;
  return muxed;
}

export function rawChunkPtr(): usize {
  return rawChunk;
}

/** 90 kHz ticks of frame n at the rate in use (exact integer arithmetic, 0 while the rate is unknown). */
function frameTicks(n: i64): i64 {
  if (fpsNum == 0) return 0;
  // n * 90000 * fpsDen / fpsNum, split so that no product can overflow (the terms are at most RATE_TERM_MAX).
  let whole = n / fpsNum;
  let rest = n % fpsNum;
  return whole * 90000 * fpsDen + (rest * 90000 * fpsDen) / fpsNum;
}

/** The stream time, in ticks, of the next video frame. */
export function rawVideoTime(): f64 {
  return <f64>frameTicks(decodeIndex);
}

/**
 * 1 when the audio should be fed next: its stream time is at most RAW_AUDIO_LEAD_TICKS ahead of the video's, so
 * each audio frame is queued in the core before the video that follows it in time (which then interleaves them).
 */
export function rawAudioDue(): i32 {
  return rawAudioTime() <= rawVideoTime() + <f64>RAW_AUDIO_LEAD_TICKS ? 1 : 0;
}

/** The stream time, in ticks, of the next audio frame. */
export function rawAudioTime(): f64 {
  if (audioRate == 0) return 0;
  return <f64>((audioSamples * 90000) / audioRate);
}

/** Picture order count of the unit's first slice (type 0 and 2; type 1 is treated as decode order). */
function pictureOrder(): i32 {
  if (codecIsHevc) return hevcPictureOrder(auFirstSlice, auFirstSliceLength, <i32>(decodeIndex - gopStart) * 2);
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
  if (!rateFromSps()) {
    // No rate yet (no SPS so far) or none to be had: the unit cannot be timed, so it is lost (counted).
    decodeIndex++;
    if (scan != AU_PARAMS_ONLY) countLostVideoFrame(len);
    return;
  }
  let dIndex = decodeIndex++;
  let pIndex = dIndex;
  if (scan == AU_OK) {
    if (reorderDelay < 0) {
      // The stream says how far presentation can lag decoding; baseline has no B-frames.
      reorderDelay = codecIsHevc ? hevcReorder() : spsReorderFrames >= 0 ? <i64>spsReorderFrames : spsProfile == 66 ? 0 : 2;
    }
    // (H.265: the count restarts only at IDR and BLA pictures; a CRA's leading pictures come before it.)
    let restart = codecIsHevc ? hevcPocRestarts(auFirstSlice) : auIsIdr;
    if (restart) gopStart = dIndex;
    let poc = pictureOrder();
    if (restart) gopPocBase = poc;
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
  if (codecIsHevc) return hevcStartsNewUnit(header, avail);
  if (type == NAL_AUD || type == NAL_SPS || type == NAL_PPS || type == NAL_SEI || (type >= NAL_RESERVED_14 && type <= NAL_RESERVED_18)) return 1;
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

/**
 * The video is a codec we do not carry (codec.ts codecRefusal): its bytes are discarded, the status names the codec
 * and the stream counts as one lost frame (the host stops feeding on the status).
 */
function refusedStream(): bool {
  if (codecRefusal == OK) return false;
  if (load<u32>(statusWord(RS_UNSUPPORTED_VIDEO)) == 0) {
    store<u32>(statusWord(RS_UNSUPPORTED_VIDEO), <u32>codecRefusal);
    countLostVideoFrame(auLength);
  }
  auLength = scanFrom = 0;
  return true;
}

function scanUnits(atEnd: bool): u32 {
  let muxed: u32 = 0;
  let base = inputPtr;
  if (!synced) codecSeeStart(base, auLength);
  if (refusedStream()) return 0;
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
      if (header + 1 >= end && !atEnd) {
        scanFrom = <u32>(sc - base); // the codec is decided from the first two header bytes
        return muxed;
      }
      // Drop whatever came before the first start code.
      let skip = <u32>(sc - base);
      memory.copy(base, sc, auLength - skip);
      auLength -= skip;
      synced = true;
      scanFrom = 3;
      codecSeeNal(base + 3, auLength > 3 ? auLength - 3 : 0);
      if (refusedStream()) return muxed;
      let t = nalType(load<u8>(base + 3));
      auHasPicture = codecIsHevc ? hevcIsPicture(base + 3) : t == NAL_SLICE || t == NAL_IDR;
      continue;
    }
    let type = nalType(load<u8>(header));
    let decision = startsNewUnit(type, header, <u32>(end - header));
    if (decision < 0) {
      if (atEnd) decision = 0;
      else {
        scanFrom = <u32>(sc - base);
        return muxed;
      }
    }
    let isPicture = codecIsHevc ? hevcIsPicture(header) : type == NAL_SLICE || type == NAL_IDR;
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
// An ADTS frame is taken only where its header parses and the next frame's header follows it with the same fixed
// part (or the stream ends exactly there): a sync word found in garbage is not enough. Bytes that are not such frames are skipped, each run
// of them counted as one malformed frame; well-formed frames of a format we do not carry (AAC-LC, 8-48 kHz, mono
// or stereo) are refused and counted. Refused and skipped bytes do not advance the audio's stream time.

let skipping: bool = false; // inside a run of bytes that are not ADTS

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
    let r = drainAudio(false);
    if (r != OK) result = r;
  }
  return result;
}

/** The ADTS stream ended: its last frame needs no successor. What is left that is not a frame is counted. */
export function rawAudioEnd(): i32 {
  let result = drainAudio(true);
  if (audioLength > 0) skipping = true;
  audioLength = 0;
  if (endSkipRun()) result = DROP_MALFORMED;
  return result;
}

/** Closes a run of skipped bytes: counts it as one malformed frame. */
function endSkipRun(): bool {
  if (!skipping) return false;
  skipping = false;
  countLostAudioFrame();
  return true;
}

/**
 * Whether a frame of the stream, its header inside (start, end), ends exactly at `end`. Then the header at `start`
 * is not one: garbage spliced into its length bytes made a length that happens to reach a real frame's end, and
 * taking it would swallow the real frames inside. A frame whose payload holds a header of the same stream whose
 * length lands exactly on the frame's end does not occur in practice (sync word, fixed fields and length all match).
 */
function realFrameEndsAt(start: usize, end: usize, fixedHeader: u32): bool {
  for (let q = start + 1; q + 7 <= end; q++) {
    if (load<u8>(q) != 0xff) continue;
    if (parseAdtsHeader(q, <u32>(end - q)) && q + adtsFrameLength == end && adtsFixedHeader(q) == fixedHeader) return true;
  }
  return false;
}

function drainAudio(atEnd: bool): i32 {
  let result = OK;
  let p: u32 = 0;
  while (p + 7 <= audioLength) {
    let at = rawAudioBuffer + p;
    if (!parseAdtsHeader(at, audioLength - p)) {
      skipping = true;
      p++; // resynchronise on the next sync word
      continue;
    }
    let frameLength = adtsFrameLength;
    let samples = adtsSamples;
    let supported = adtsSupported();
    let objectType = adtsObjectType;
    let sampleRate = adtsSampleRate;
    let channels = adtsChannels;
    let fixedHeader = adtsFixedHeader(at);
    let next = p + frameLength;
    if (next + 7 > audioLength) {
      if (!atEnd) break; // wait for the bytes that show whether another frame follows
      if (next != audioLength) {
        // The last frame must end where the stream does: a header damaged near the end, or one found in
        // garbage that claims more bytes than are left, is not one (the real frames after it are still found).
        skipping = true;
        p++;
        continue;
      }
    } else if (!parseAdtsHeader(rawAudioBuffer + next, audioLength - next) || adtsFixedHeader(rawAudioBuffer + next) != fixedHeader) {
      skipping = true;
      p++;
      continue;
    }
    if (realFrameEndsAt(at, rawAudioBuffer + next, fixedHeader)) {
      skipping = true;
      p++;
      continue;
    }
    if (endSkipRun()) result = DROP_MALFORMED;
    if (!supported) {
      store<u32>(statusWord(RS_AUDIO_UNSUPPORTED), load<u32>(statusWord(RS_AUDIO_UNSUPPORTED)) + 1);
      store<u32>(statusWord(RS_REFUSED_OBJECT_TYPE), objectType);
      store<u32>(statusWord(RS_REFUSED_SAMPLE_RATE), sampleRate);
      store<u32>(statusWord(RS_REFUSED_CHANNELS), channels);
      countLostAudioFrame();
      result = DROP_AUDIO_UNSUPPORTED;
      p = next;
      continue;
    }
    if (audioRate == 0) audioRate = <i64>sampleRate;
    let pts = (audioSamples * 90000) / audioRate;
    let r = muxAudio(at, frameLength, pts);
    if (r != OK) result = r;
    store<u32>(statusWord(RS_AUDIO_FRAMES), load<u32>(statusWord(RS_AUDIO_FRAMES)) + 1);
    audioSamples += <i64>samples;
    p = next;
  }
  if (p > 0) {
    memory.copy(rawAudioBuffer, rawAudioBuffer + p, audioLength - p);
    audioLength -= p;
  }
  return result;
}
