// The muxer: access units and ADTS frames in, whole HLS segments out.
//
// - Video: every access unit gets an AUD in front; an IDR gets the latest SPS/PPS when it lacks them
//   (video-prefix.ts; for H.265 "IDR" here means any IRAP picture, and the VPS is re-inserted too).
//   A segment starts with PAT, PMT, then the IDR's PES with PCR and random_access_indicator, and is cut
//   before an IDR once the target duration is reached.
// - Audio waits in a small queue (audio-queue.ts) and is written in timestamp order between video frames (a
//   bounded wait for the slower track); each segment carries the audio of its own time span.
// - PAT/PMT repeat at most 100 ms apart, PCRs at most 40 ms apart (PCR-only packets fill longer gaps).
// - When the ring is full the host's policy decides what is dropped, always whole: see ensureRoom.
import { inputPtr, inputCapacity, ringCapacity, audioQueueData } from "./layout";
import {
  OK, DROP_WAITING_FOR_KEYFRAME, DROP_FRAME_TOO_LARGE, DROP_MALFORMED, DROP_TIMESTAMP_BACKWARDS, DROP_BUFFER_FULL,
  DROP_AUDIO_FORMAT_CHANGE, DROP_AUDIO_UNSUPPORTED, POLICY_DROP_OLDEST, POLICY_DROP_NEW, SEGMENT_DISCONTINUITY, SEGMENT_AUDIO,
  DROPPED_MAX, DROPPED_WORDS, DROPPED_SEQ, DROPPED_WALL_START_MS, DROPPED_DURATION_US,
} from "./abi";
import {
  audioQueueReset, audioQueued, queuedBytes, queuedPts, framesBefore, framesWithin, framesEndingBy, queueHasRoom, enqueue, dequeue,
} from "./audio-queue";
import { scanAccessUnit, AU_OK, AU_PARAMS_ONLY, auIsIdr, auCopyFrom, auSliceRefIdc } from "./access-unit";
import { parameterSetsKnown, videoPrefixLength, writeVideoPrefix } from "./video-prefix";
import { codecRefusal } from "./codec";
import { parseAdtsHeader, adtsSupported, adtsObjectType, adtsSampleRate, adtsChannels, adtsFrameLength, adtsSamples } from "./adts";
import {
  freeBytes, tableHasRoom, openSegment, closeSegment, oldestFinished, markDropped, discardOpenSegment, segmentIsOpen, noteHighWater,
  noteFirstPictureEnd, headSeq, ringReset, segWallMs, segDurationTicks, openHasAudio, openVideoFrames, openAudioFrames, openWallMs,
  setOpenWallMs, setOpenDuration, countOpenVideoFrame, countOpenAudioFrames, clearOpenAudio,
} from "./ring";
import {
  writePsi, startTrackingPmts, rewriteSegmentPmtsWithoutAudio, writePes, writePesHeader, pesHeaderLength, writePcrOnlyPacket,
  pesPacketBound, resetTsWriter, PID_VIDEO, PID_AUDIO, STREAM_ID_VIDEO, STREAM_ID_AUDIO,
} from "./ts-writer";
// ---- fMP4 (begin): the container option's hooks; TS output is unchanged when it is off ----
import { CONTAINER_FMP4 } from "./abi";
import {
  container, fmp4Reset, refreshInit, addAudioTrack, initHasAudio, beginFmp4Segment, videoSampleBound, writeVideoSample, writeAudioSample, fmp4HasRoom,
  fmp4HeadRoom, parameterSetsChanged, buildHead, commitHead, firstPictureBytes, FMP4_SAMPLE_HEAD_BYTES, resolveContainer,
} from "./fmp4-writer";
import { setOpenKeyframeBytes } from "./ring";
// ---- fMP4 (end) ----

// (Results of a put are assembly/abi.ts OK and DROP_*: the host names them.)

// PES timestamps start at 1.4 s and PCR runs 0.7 s behind DTS, so PTS ≥ DTS > PCR always (as FFmpeg does).
const TS_OFFSET: i64 = 126000;
const PCR_LEAD: i64 = 63000;
const PCR_INTERVAL: i64 = 3600; // 40 ms
const PSI_INTERVAL: i64 = 9000; // 100 ms
const MAX_PCR_FILL: i32 = 50;
const AUDIO_MAX_WAIT: i64 = 90000; // audio waits at most 1 s for video
const AUDIO_PES_MAX_BYTES: u32 = 2930;
const TIMELINE_RESET: i64 = 90000; // an IDR more than 1 s in the past restarts the timeline
// A pause in the video is a gap in the recording (a new segment, marked discontinuous) when it is longer than
// 1 s and 4 frame intervals and ends at an IDR; a pause over 10 s is one in any case (frames wait for an IDR).
const SHORT_GAP: i64 = 90000;
const TIMELINE_GAP: i64 = 900000;
const CUT_TOLERANCE: i64 = 450; // 5 ms of rounding in the input timestamps

// ---- Configuration ----
let targetTicks: i64 = 180000;
let policy: u32 = POLICY_DROP_OLDEST;

// ---- Counters (read by the host through the stats struct) ----
export let videoFramesIn: f64 = 0;
export let audioFramesIn: f64 = 0;
export let bytesIn: f64 = 0;
export let videoFramesDropped: f64 = 0;
export let audioFramesDropped: f64 = 0;
export let segmentsMade: f64 = 0;
export let segmentsDropped: f64 = 0;

// Segments dropped since the host last asked (assembly/abi.ts DROPPED_*).
export const droppedList: usize = memory.data(DROPPED_MAX * DROPPED_WORDS * 8);
export let droppedCount: u32 = 0;
export function resetDroppedCount(): void {
  droppedCount = 0;
}

// ---- Timeline ----
let started: bool = false; // a timestamp origin has been chosen
let originUs: f64 = 0; // input µs that maps to tick 0
let videoStarted: bool = false;
let lastDts: i64 = 0; // the last frame's DTS, muxed or not (for the order check)
let lastWrittenDts: i64 = 0; // the last muxed frame's DTS
let frameInterval: i64 = 3600;
let waitingForIdr: bool = true;
let pendingDiscontinuity: bool = false;
let anchorWallMs: f64 = 0;
let anchorTicks: i64 = 0;
let reanchor: bool = true;
// Wall time is needed only when a segment anchors it (the first one, and the first after the camera's clock
// restarted). A host may pass NaN as wallMs: when an anchoring put got NaN this u32 becomes 1, and the host
// calls setWallClock() right after that put. So the host reads its clock once per anchoring, not per frame.
export const WALL_CLOCK_WANTED: usize = memory.data(4);
// The open segment's first picture (an IDR or IRAP): its decode time starts the segment's clock for the frames in
// it, its presentation time is the segment's start. Segments are cut, and their durations counted, from one
// starting picture's presentation time to the next one's: an H.265 CRA is decoded before its leading pictures, so
// its decode time runs ahead of its place in time by as many of them as it has (x265's open GOPs), while the
// span between two pictures' presentation times is what a player plays.
let segStartDts: i64 = 0;
let segStartPts: i64 = 0;
let segLastPts: i64 = 0; // the latest presentation time among the open segment's pictures
let lastPcr: i64 = 0; // media ticks of the last PCR: never goes backwards, across segments too
let lastPsi: i64 = 0;

// ---- Audio ----
let audioExpected: bool = false; // the host said audio will come: list it in the PMT from the first segment
let audioKnown: bool = false;
let audioObjectType: u32 = 0;
let audioSampleRate: u32 = 0;
let audioChannels: u32 = 0;
let lastAudioPts: i64 = -0x7fffffffffffffff;

export function expectAudio(expected: bool): void {
  audioExpected = expected;
}

export function muxerInit(segmentMs: u32, overflowPolicy: u32): void {
  audioExpected = false;
  targetTicks = <i64>segmentMs * 90;
  policy = overflowPolicy;
  videoFramesIn = audioFramesIn = bytesIn = 0;
  videoFramesDropped = audioFramesDropped = segmentsMade = segmentsDropped = 0;
  droppedCount = 0;
  started = false;
  videoStarted = false;
  waitingForIdr = true;
  pendingDiscontinuity = false;
  reanchor = true;
  audioKnown = false;
  lastAudioPts = -0x7fffffffffffffff;
  audioQueueReset();
  lastPcr = -0x3fffffffffffffff; // the first PES's DTS sets it
  ringReset();
  resetTsWriter();
  fmp4Reset();
}

// ---- Time helpers ----

function floorDiv(a: i64, b: i64): i64 {
  let q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/** Input µs → 90 kHz ticks from the origin, with integer arithmetic. */
function usToTicks(us: f64): i64 {
  return floorDiv(<i64>Math.round(us - originUs) * 9, 100);
}

function ticksToUs(t: i64): f64 {
  return originUs + <f64>t * 100.0 / 9.0;
}

function wallAt(t: i64): f64 {
  return anchorWallMs + <f64>(t - anchorTicks) / 90.0;
}

// ---- Dropping whole data ----

function recordDroppedSegment(seq: u32): void {
  if (droppedCount < DROPPED_MAX) {
    let d = droppedList + <usize>(droppedCount * DROPPED_WORDS) * 8;
    store<f64>(d + (<usize>DROPPED_SEQ << 3), <f64>seq);
    store<f64>(d + (<usize>DROPPED_WALL_START_MS << 3), segWallMs(seq));
    store<f64>(d + (<usize>DROPPED_DURATION_US << 3), <f64>segDurationTicks(seq) * 100.0 / 9.0);
  }
  droppedCount++;
  segmentsDropped++;
}

/** Drops the oldest finished segment; false if there is none. */
function dropOldestSegment(): bool {
  let oldest = oldestFinished();
  if (oldest < 0) return false;
  recordDroppedSegment(<u32>oldest);
  markDropped(<u32>oldest);
  return true;
}

/** Makes `bytes` of room in the ring (and a table slot if `newSegment`), dropping old segments if the policy allows. */
function ensureRoom(bytes: u32, newSegment: bool): bool {
  if (bytes > ringCapacity) return false;
  while (freeBytes() < bytes || (newSegment && !tableHasRoom())) {
    if (policy != POLICY_DROP_OLDEST || !dropOldestSegment()) return false;
  }
  return true;
}

/** Throws away the open segment (its frames are lost) and waits for the next IDR. */
function abandonOpenSegment(): void {
  setOpenDuration(lastWrittenDts + frameInterval - segStartDts);
  // Count it as a dropped segment the host hears about, with what it would have covered.
  recordDroppedSegment(headSeq - 1);
  videoFramesDropped += <f64>openVideoFrames();
  audioFramesDropped += <f64>openAudioFrames();
  discardOpenSegment();
  waitingForIdr = true;
  pendingDiscontinuity = true;
}

// ---- Segments ----

function startSegment(idrPts: i64, dts: i64, wallMs: f64): void {
  if (reanchor) {
    anchorWallMs = wallMs;
    anchorTicks = idrPts;
    reanchor = false;
    if (isNaN(wallMs)) store<u32>(WALL_CLOCK_WANTED, 1);
  }
  let withAudio = audioKnown || audioExpected;
  // fMP4: the init segment lists audio once its format is known (it needs the AudioSpecificConfig).
  let fmp4 = container == CONTAINER_FMP4;
  // Audio expected but not yet seen: the segment takes it anyway and the init gains the track at its close.
  if (fmp4) withAudio = refreshInit(audioKnown, audioSampleRate, audioChannels, audioObjectType) || audioExpected;
  let flags: u32 = (pendingDiscontinuity ? SEGMENT_DISCONTINUITY : 0) | (withAudio ? SEGMENT_AUDIO : 0);
  pendingDiscontinuity = false;
  openSegment(ticksToUs(idrPts), wallAt(idrPts), flags);
  if (fmp4) beginFmp4Segment(headSeq - 1);
  else startTrackingPmts();
  segStartDts = dts;
  segStartPts = idrPts;
  segLastPts = idrPts;
  // Audio from before the segment's first picture is not played: drop it (counted).
  dropAudioEndingBy(idrPts);
  if (!fmp4) {
    writePsi(withAudio);
    lastPsi = dts;
  }
  segmentsMade++;
}

/** The wall time of the anchoring put that got NaN (see WALL_CLOCK_WANTED); ignored when none is wanted. */
export function setWallClock(wallMs: f64): void {
  if (load<u32>(WALL_CLOCK_WANTED) == 0) return;
  store<u32>(WALL_CLOCK_WANTED, 0);
  anchorWallMs = wallMs;
  // The segment that anchored opened in that same put, at the anchor.
  if (segmentIsOpen && isNaN(openWallMs())) setOpenWallMs(wallMs);
}

/** The open segment's duration when no next picture ends it: from its start to the end of its latest picture. */
function presentedSpan(): i64 {
  return segLastPts + frameInterval - segStartPts;
}

/** Ends the open segment: its last frame's clock stops at endDts, and it lasted durationTicks. */
function finishSegment(endDts: i64, durationTicks: i64): void {
  if (container == CONTAINER_FMP4) {
    finishFmp4Segment(endDts, durationTicks);
    return;
  }
  if (openHasAudio() && openAudioFrames() == 0 && rewriteSegmentPmtsWithoutAudio()) clearOpenAudio();
  closeSegment(durationTicks);
}

/** fMP4: the head (moof + mdat header) goes after the samples; a segment it cannot follow is lost whole. */
function finishFmp4Segment(endDts: i64, durationTicks: i64): void {
  if (openHasAudio() && openAudioFrames() == 0) clearOpenAudio();
  else if (openAudioFrames() > 0 && !initHasAudio && !addAudioTrack(headSeq - 1, audioSampleRate, audioChannels, audioObjectType)) {
    audioFramesDropped += <f64>openAudioFrames(); // written but not referenced: no track to play them
    clearOpenAudio();
  }
  let head = buildHead(headSeq, endDts); // mfhd sequence numbers start at 1
  if (!ensureRoom(head, false)) {
    abandonOpenSegment();
    return;
  }
  commitHead(headSeq - 1);
  setOpenKeyframeBytes(firstPictureBytes());
  closeSegment(durationTicks);
}

// ---- Video ----

/**
 * A video frame is lost (refused, or no room): a segment cannot go on past a missing picture, so the open one
 * ends at the last whole frame and the next segment starts at an IDR, marked as following a gap.
 * Non-reference pictures are the exception: nothing depends on them.
 */
function loseVideoFrame(dts: i64, referenced: bool): void {
  videoFramesDropped++;
  if (dts > lastDts) lastDts = dts;
  if (!referenced) return;
  waitingForIdr = true;
  if (segmentIsOpen) closeAtLastFrame();
}

/**
 * The host's source lost a video frame before it could be put (RTP packets missing): pictures after it may refer
 * to it, so the open segment ends at its last whole frame and nothing more is muxed until the next IDR (IRAP),
 * which starts a segment marked as following a gap. Counted by the source, not here.
 */
export function videoLostAtSource(): void {
  waitingForIdr = true;
  if (segmentIsOpen) closeAtLastFrame();
}

function closeAtLastFrame(): void {
  let end = lastWrittenDts + frameInterval;
  flushAudioBefore(end, false, end);
  finishSegment(end, presentedSpan());
  pendingDiscontinuity = true;
}

/** Muxes the access unit in the input area. Timestamps are 90 kHz ticks from the origin. */
export function muxVideo(len: u32, pts: i64, dts: i64, wallMs: f64, scan: i32): i32 {
  resolveContainer(); // (CONTAINER_AUTO: the codec is known once a frame was scanned)
  videoFramesIn++;
  bytesIn += <f64>len;
  if (scan != AU_OK) {
    if (scan == AU_PARAMS_ONLY) {
      videoFramesIn--; // parameter sets alone are not a frame
      return OK;
    }
    loseVideoFrame(dts, true);
    return codecRefusal != OK ? codecRefusal : DROP_MALFORMED;
  }
  if (pts < dts) pts = dts;

  let isIdr = auIsIdr;
  let gap = false;
  if (videoStarted) {
    if (dts <= lastDts) {
      loseVideoFrame(lastDts, auSliceRefIdc != 0);
      return DROP_TIMESTAMP_BACKWARDS;
    }
    let pause = dts - lastDts;
    gap = pause > TIMELINE_GAP || (isIdr && pause > SHORT_GAP && pause > 4 * frameInterval);
  }
  if (!parameterSetsKnown() || ((waitingForIdr || gap) && !isIdr)) {
    loseVideoFrame(dts, true);
    return DROP_WAITING_FOR_KEYFRAME;
  }

  // What this frame becomes: [PES header][AUD][SPS][PPS] written into the headroom, then the unit's own bytes.
  let pesHeader = pesHeaderLength(pts != dts);
  let prefix = videoPrefixLength();
  let body = <u32>(inputPtr + len - auCopyFrom);
  let pesStart = auCopyFrom - prefix - pesHeader;
  let pesLength = pesHeader + prefix + body;

  // Room: the PES, PAT/PMT, PCR fill-ins and the audio that goes before this frame.
  let fmp4 = container == CONTAINER_FMP4;
  let sampleBytes: u32 = fmp4 ? videoSampleBound(auCopyFrom, inputPtr + len) : 0;
  let need = fmp4
    ? sampleBytes + fmp4HeadRoom() + audioBytesUpTo(dts, true)
    : (pesPacketBound(pesLength) + 2 + 3 * <u32>MAX_PCR_FILL) * 188 + audioBytesUpTo(dts, true);
  if (need > ringCapacity) {
    loseVideoFrame(dts, true);
    return DROP_FRAME_TOO_LARGE;
  }

  // (fMP4: new parameter sets need a new init segment, so the segment is cut at their IDR too.)
  let newInit = fmp4 && isIdr && parameterSetsChanged();
  if (segmentIsOpen && isIdr && (gap || newInit || pts - segStartPts >= targetTicks - CUT_TOLERANCE)) {
    if (gap) closeAtLastFrame();
    else {
      // Audio up to the IDR's presentation time belongs to this segment; the clock stops at the IDR's DTS.
      flushAudioBefore(pts, false, dts);
      finishSegment(dts, pts - segStartPts);
    }
  }
  if (fmp4 && segmentIsOpen && !fmp4HasRoom()) {
    // The sample table is full: the segment ends at the last whole frame.
    loseVideoFrame(dts, true);
    return DROP_BUFFER_FULL;
  }
  if (segmentIsOpen && !ensureRoom(need, false)) {
    if (policy == POLICY_DROP_NEW) {
      // Keep what is written: the segment ends at the last whole frame.
      loseVideoFrame(dts, true);
      return DROP_BUFFER_FULL;
    }
    // The open segment alone fills the ring: it cannot be finished whole.
    abandonOpenSegment();
    if (!isIdr) {
      loseVideoFrame(dts, true);
      return DROP_BUFFER_FULL;
    }
  }
  if (!segmentIsOpen) {
    if (!ensureRoom(need, true)) {
      loseVideoFrame(dts, true);
      pendingDiscontinuity = true;
      return DROP_BUFFER_FULL;
    }
    // PAT, PMT, then this IDR's PES with the PCR: nothing in between.
    startSegment(pts, dts, wallMs);
  } else {
    flushAudioBefore(dts, true, dts);
    if (!fmp4) {
      fillPcrGap(dts);
      if (dts - lastPsi + frameInterval > PSI_INTERVAL) writePsiNow(dts);
    }
  }
  if (fmp4) {
    writeVideoSample(auCopyFrom, inputPtr + len, pts, dts, isIdr);
  } else {
    writeTsVideo(pesStart, pesLength, pts, dts, isIdr);
  }
  countOpenVideoFrame();
  if (videoStarted && !gap && dts > lastWrittenDts && lastWrittenDts == lastDts) frameInterval = dts - lastDts;
  videoStarted = true;
  waitingForIdr = false;
  lastDts = dts;
  lastWrittenDts = dts;
  if (pts > segLastPts) segLastPts = pts;
  noteHighWater();
  return OK;
}

/** TS: the PES header and the inserted NAL units in the headroom in front of the unit's bytes, then the packets. */
function writeTsVideo(pesStart: usize, pesLength: u32, pts: i64, dts: i64, isIdr: bool): void {

  // Build the PES header (unbounded, as video may) and the inserted NAL units in front of the unit's bytes.
  writeVideoPrefix(pesStart + writePesHeader(pesStart, STREAM_ID_VIDEO, 0, pts + TS_OFFSET, dts + TS_OFFSET));

  // PCR never goes backwards, even after audio that runs a little ahead of this frame's DTS.
  let pcr = dts > lastPcr ? dts : lastPcr;
  writePes(pesStart, pesLength, PID_VIDEO, pcr + TS_OFFSET - PCR_LEAD, isIdr);
  lastPcr = pcr;
  noteFirstPictureEnd();
}

/** A video frame that never reached the muxer (empty, or larger than the input area). */
export function countLostVideoFrame(len: u32): void {
  videoFramesIn++;
  bytesIn += <f64>len;
  loseVideoFrame(lastDts, true);
}

function writePsiNow(t: i64): void {
  writePsi(openHasAudio());
  lastPsi = t;
}

/**
 * Before a PES at time t: PCR-only packets keep PCRs at most 40 ms apart, and PAT/PMT at most 100 ms apart,
 * even when frames are sparse (a 5 fps camera).
 */
function fillPcrGap(t: i64): void {
  let n = 0;
  while (t - lastPcr > PCR_INTERVAL && n < MAX_PCR_FILL) {
    lastPcr += PCR_INTERVAL;
    if (lastPcr - lastPsi > PSI_INTERVAL - PCR_INTERVAL) writePsiNow(lastPcr);
    writePcrOnlyPacket(lastPcr + TS_OFFSET - PCR_LEAD);
    n++;
  }
}

/**
 * A host timestamp (µs) the timeline can use: finite and within ±2^53 (285 years), so that it converts to ticks
 * exactly. NaN or Infinity taken as the origin would make every later frame look older ("backwards") forever.
 */
function usableTimestamp(us: f64): bool {
  return isFinite(us) && Math.abs(us) <= 9007199254740991.0;
}

/** The host-facing entry: µs timestamps; rebases, checks order, restarts the timeline when the camera's clock does. */
export function putVideo(len: u32, ptsUs: f64, dtsUs: f64, wallMs: f64): i32 {
  if (len == 0 || len > inputCapacity) {
    countLostVideoFrame(len);
    return len == 0 ? DROP_MALFORMED : DROP_FRAME_TOO_LARGE;
  }
  if (!usableTimestamp(ptsUs) || !usableTimestamp(dtsUs)) {
    countLostVideoFrame(len);
    return DROP_MALFORMED;
  }
  let scan = scanAccessUnit(inputPtr, len);
  if (!started) {
    started = true;
    originUs = dtsUs;
  }
  let dts = usToTicks(dtsUs);
  let pts = usToTicks(ptsUs);
  if (videoStarted && scan == AU_OK && auIsIdr && dts <= lastDts && lastDts - dts > TIMELINE_RESET) {
    // The camera's clock went back (a restart): continue our timeline after the last frame, mark the gap.
    originUs = dtsUs - ticksToUs(lastDts + frameInterval) + originUs;
    dts = usToTicks(dtsUs);
    pts = usToTicks(ptsUs);
    if (segmentIsOpen) closeAtLastFrame();
    pendingDiscontinuity = true;
    reanchor = true;
    lastAudioPts = -0x7fffffffffffffff;
    dropAudioEndingBy(0x7fffffffffffffff);
  }
  return muxVideo(len, pts, dts, wallMs, scan);
}

// ---- Audio ----

function audioDuration(samples: u32): i64 {
  return <i64>samples * 90000 / <i64>audioSampleRate;
}

/** Drops queued audio that ends at or before t (counted). */
function dropAudioEndingBy(t: i64): void {
  let n = framesEndingBy(t);
  audioFramesDropped += <f64>n;
  dequeue(n);
}

/** Bytes (in TS packets) that flushing queued audio up to t would take. */
function audioBytesUpTo(t: i64, inclusive: bool): u32 {
  let frames = framesBefore(t, inclusive);
  if (frames == 0) return 0;
  return (queuedBytes(frames) / 184 + frames * 2 + MAX_PCR_FILL) * 188;
}

/**
 * Writes queued audio with pts before t (or at t when inclusive) into the open segment. PCRs filled in for it
 * stop at clockLimit (the DTS of the video frame that follows), so the clock never passes a frame's DTS.
 */
function flushAudioBefore(t: i64, inclusive: bool, clockLimit: i64): void {
  if (!segmentIsOpen || audioQueued() == 0) return;
  if (!openHasAudio()) return; // this segment's PMT has no audio: the next one will
  for (let due = framesBefore(t, inclusive); due > 0; due = framesBefore(t, inclusive)) {
    // One PES: consecutive frames, bounded in size, in place in the queue behind its headroom.
    let n = framesWithin(due, AUDIO_PES_MAX_BYTES);
    let bytes = queuedBytes(n);
    if (container == CONTAINER_FMP4) {
      flushFmp4Audio(n, bytes);
      continue;
    }
    let first = queuedPts(0);
    let header = pesHeaderLength(false);
    if (!ensureRoom((pesPacketBound(header + bytes) + <u32>MAX_PCR_FILL + 2) * 188, false)) {
      audioFramesDropped += <f64>n;
      dequeue(n);
      continue;
    }
    let h = audioQueueData - header;
    writePesHeader(h, STREAM_ID_AUDIO, bytes, first + TS_OFFSET, first + TS_OFFSET);
    fillPcrGap(first < clockLimit ? first : clockLimit);
    writePes(h, header + bytes, PID_AUDIO, -1, false);
    countOpenAudioFrames(n);
    dequeue(n);
  }
  noteHighWater();
}

/** fMP4: n queued frames become n samples (ADTS headers dropped), or are dropped (counted) without room. */
function flushFmp4Audio(n: u32, bytes: u32): void {
  if (!fmp4HasRoom(n) || !ensureRoom(bytes + n * FMP4_SAMPLE_HEAD_BYTES, false)) {
    audioFramesDropped += <f64>n;
    dequeue(n);
    return;
  }
  for (let i: u32 = 0; i < n; i++) {
    let offset = queuedBytes(i);
    writeAudioSample(audioQueueData + offset, queuedBytes(i + 1) - offset, queuedPts(i), audioSampleRate);
    countOpenAudioFrames(1);
  }
  dequeue(n);
}

/** Queues one ADTS frame (already validated) with its pts in ticks. */
function enqueueAudio(src: usize, len: u32, pts: i64, samples: u32): void {
  // The queue is bounded: the oldest frames give way (counted as waiting too long for video).
  while (audioQueued() > 0 && !queueHasRoom(len)) {
    audioFramesDropped++;
    dequeue(1);
  }
  enqueue(src, len, pts, <u32>audioDuration(samples));
  // Bounded wait: audio more than 1 s ahead of the video goes out now (or is dropped with no segment to take it).
  if (segmentIsOpen && openHasAudio()) {
    flushAudioBefore(pts - AUDIO_MAX_WAIT, true, pts - AUDIO_MAX_WAIT);
  } else {
    dropAudioEndingBy(pts - AUDIO_MAX_WAIT);
  }
}

/** Audio that never reached the muxer (bytes that are not ADTS, or a format we do not carry). */
export function countLostAudioFrame(): void {
  audioFramesIn++;
  audioFramesDropped++;
}

/**
 * Muxes one or more ADTS frames at src; pts (ticks) is the first frame's. The frames must fill the bytes exactly,
 * or none of them is taken (malformed); a frame of a format we do not carry is refused (audio-unsupported).
 */
export function muxAudio(src: usize, len: u32, pts: i64): i32 {
  let end = src + len;
  let p = src;
  while (p < end) {
    if (!parseAdtsHeader(p, <u32>(end - p)) || adtsFrameLength > <u32>(end - p)) {
      countLostAudioFrame();
      return DROP_MALFORMED;
    }
    p += adtsFrameLength;
  }
  p = src;
  let result = OK;
  while (p < end) {
    parseAdtsHeader(p, <u32>(end - p));
    let frameLength = adtsFrameLength;
    let samples = adtsSamples;
    audioFramesIn++;
    if (!adtsSupported()) {
      audioFramesDropped++;
      result = DROP_AUDIO_UNSUPPORTED;
      p += frameLength;
      continue;
    }
    if (!audioKnown) {
      audioKnown = true;
      audioObjectType = adtsObjectType;
      audioSampleRate = adtsSampleRate;
      audioChannels = adtsChannels;
    } else if (adtsSampleRate != audioSampleRate || adtsChannels != audioChannels || adtsObjectType != audioObjectType) {
      audioFramesDropped++;
      result = DROP_AUDIO_FORMAT_CHANGE;
      p += frameLength;
      continue;
    }
    if (pts <= lastAudioPts) {
      audioFramesDropped++;
      result = DROP_TIMESTAMP_BACKWARDS;
    } else {
      enqueueAudio(p, frameLength, pts, samples);
      lastAudioPts = pts;
    }
    pts += audioDuration(samples);
    p += frameLength;
  }
  return result;
}

export function putAudio(len: u32, ptsUs: f64): i32 {
  bytesIn += <f64>len;
  if (len == 0 || len > inputCapacity) {
    countLostAudioFrame();
    return len == 0 ? DROP_MALFORMED : DROP_FRAME_TOO_LARGE;
  }
  if (!usableTimestamp(ptsUs)) {
    audioFramesIn++;
    audioFramesDropped++;
    return DROP_MALFORMED;
  }
  if (!started) {
    started = true;
    originUs = ptsUs;
  }
  return muxAudio(inputPtr, len, usToTicks(ptsUs));
}

/** Closes the open segment (end of stream): remaining audio goes into it, or is dropped (counted) without one. */
export function flush(): void {
  if (!segmentIsOpen) {
    dropAudioEndingBy(0x7fffffffffffffff);
    return;
  }
  flushAudioBefore(0x7fffffffffffffff, true, 0x7fffffffffffffff);
  finishSegment(lastWrittenDts + frameInterval, presentedSpan());
  noteHighWater();
}

// ---- What the host reads about the stream ----
export function audioSampleRateNow(): u32 { return audioSampleRate; }
export function audioChannelsNow(): u32 { return audioChannels; }
export function audioObjectTypeNow(): u32 { return audioObjectType; }
