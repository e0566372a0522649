// The ring buffer of whole TS packets and the table of segments in it.
//
// Segments are written one after another; the oldest are reclaimed only once released (the store
// acknowledged them) or dropped. Because the capacity is a multiple of 188 bytes, a packet never straddles
// the end of the ring and a segment is at most two contiguous views.
import { ringBase, ringCapacity, segmentTable, MAX_SEGMENTS, SEGMENT_ENTRY, TS_PACKET } from "./layout";
import { SEGMENT_DISCONTINUITY, SEGMENT_AUDIO } from "./abi";

export const SEG_FREE: u32 = 0;
export const SEG_OPEN: u32 = 1;
export const SEG_READY: u32 = 2;
export const SEG_TAKEN: u32 = 3;
export const SEG_RELEASED: u32 = 4;
export const SEG_DROPPED: u32 = 5;

// Entry fields (byte offsets in a SEGMENT_ENTRY-byte entry): read and written only through the accessors below.
const E_STATE: usize = 0; // u32
const E_SEQ: usize = 4; // u32
const E_START: usize = 8; // u64: absolute write position of the first byte
const E_END: usize = 16; // u64
const E_START_PTS_US: usize = 24; // f64, input clock
const E_DURATION: usize = 32; // i64, 90 kHz ticks
const E_WALL_MS: usize = 40; // f64
const E_VIDEO_FRAMES: usize = 48; // u32
const E_AUDIO_FRAMES: usize = 52; // u32
const E_FLAGS: usize = 56; // u32: SEGMENT_* bits (assembly/abi.ts)
const E_KEYFRAME_BYTES: usize = 60; // u32: bytes from the segment's start to the end of its first picture

export let writeAbs: u64 = 0; // bytes ever written
export let writePos: u32 = 0; // writeAbs modulo the capacity
export let headSeq: u32 = 0; // next sequence number to open
export let tailSeq: u32 = 0; // oldest segment still holding ring space
export let takeSeq: u32 = 0; // next segment to hand to the host
export let segmentIsOpen: bool = false;
export let highWater: u32 = 0;

// How many segments were ever closed, as a u32 the host can read without a call: it calls takeSegment()
// only when this moved, so a frame that finished no segment costs no second call across the boundary.
export const CLOSED_COUNTER: usize = memory.data(4);

// @ts-ignore: decorator
@inline function entry(seq: u32): usize {
  return segmentTable + <usize>(seq % MAX_SEGMENTS) * SEGMENT_ENTRY;
}

// ---- A segment's fields, by sequence number ----
export function segStart(seq: u32): u64 { return load<u64>(entry(seq) + E_START); }
export function segEnd(seq: u32): u64 { return load<u64>(entry(seq) + E_END); }
export function segStartPtsUs(seq: u32): f64 { return load<f64>(entry(seq) + E_START_PTS_US); }
export function segDurationTicks(seq: u32): i64 { return load<i64>(entry(seq) + E_DURATION); }
export function segWallMs(seq: u32): f64 { return load<f64>(entry(seq) + E_WALL_MS); }
export function segVideoFrames(seq: u32): u32 { return load<u32>(entry(seq) + E_VIDEO_FRAMES); }
export function segAudioFrames(seq: u32): u32 { return load<u32>(entry(seq) + E_AUDIO_FRAMES); }
export function segFlags(seq: u32): u32 { return load<u32>(entry(seq) + E_FLAGS); }
export function segKeyframeBytes(seq: u32): u32 { return load<u32>(entry(seq) + E_KEYFRAME_BYTES); }
function setState(seq: u32, state: u32): void { store<u32>(entry(seq) + E_STATE, state); }

// ---- The open segment (the newest) ----
// @ts-ignore: decorator
@inline function openSeq(): u32 { return headSeq - 1; }
export function openHasAudio(): bool { return (segFlags(openSeq()) & SEGMENT_AUDIO) != 0; }
export function openVideoFrames(): u32 { return segVideoFrames(openSeq()); }
export function openAudioFrames(): u32 { return segAudioFrames(openSeq()); }
export function openWallMs(): f64 { return segWallMs(openSeq()); }
export function setOpenWallMs(wallMs: f64): void { store<f64>(entry(openSeq()) + E_WALL_MS, wallMs); }
export function setOpenDuration(ticks: i64): void { store<i64>(entry(openSeq()) + E_DURATION, ticks); }
export function countOpenVideoFrame(): void { store<u32>(entry(openSeq()) + E_VIDEO_FRAMES, openVideoFrames() + 1); }
export function countOpenAudioFrames(n: u32): void { store<u32>(entry(openSeq()) + E_AUDIO_FRAMES, openAudioFrames() + n); }
/** The open segment turned out to carry no audio: its flags say so. */
export function clearOpenAudio(): void {
  let e = entry(openSeq());
  store<u32>(e + E_FLAGS, load<u32>(e + E_FLAGS) & ~SEGMENT_AUDIO);
}

export function ringReset(): void {
  writeAbs = 0;
  writePos = 0;
  headSeq = 0;
  tailSeq = 0;
  takeSeq = 0;
  segmentIsOpen = false;
  highWater = 0;
  memory.fill(segmentTable, 0, MAX_SEGMENTS * SEGMENT_ENTRY);
}

export function usedBytes(): u32 {
  if (tailSeq == headSeq) return 0;
  return <u32>(writeAbs - load<u64>(entry(tailSeq) + E_START));
}

export function freeBytes(): u32 {
  return ringCapacity - usedBytes();
}

/** Whether the table has room for one more segment. */
export function tableHasRoom(): bool {
  return headSeq - tailSeq < MAX_SEGMENTS;
}

export function openSegment(startPtsUs: f64, wallMs: f64, flags: u32): void {
  let e = entry(headSeq);
  store<u32>(e + E_STATE, SEG_OPEN);
  store<u32>(e + E_SEQ, headSeq);
  store<u64>(e + E_START, writeAbs);
  store<u64>(e + E_END, writeAbs);
  store<f64>(e + E_START_PTS_US, startPtsUs);
  store<i64>(e + E_DURATION, 0);
  store<f64>(e + E_WALL_MS, wallMs);
  store<u32>(e + E_VIDEO_FRAMES, 0);
  store<u32>(e + E_AUDIO_FRAMES, 0);
  store<u32>(e + E_FLAGS, flags);
  store<u32>(e + E_KEYFRAME_BYTES, 0);
  headSeq++;
  segmentIsOpen = true;
}

/**
 * Called after each video frame: the first one of a segment (its IDR, after PAT and PMT) ends here, so a reader
 * that fetches this many bytes of the segment has a picture it can decode.
 */
export function noteFirstPictureEnd(): void {
  let e = entry(openSeq());
  if (load<u32>(e + E_KEYFRAME_BYTES) == 0) store<u32>(e + E_KEYFRAME_BYTES, <u32>(writeAbs - load<u64>(e + E_START)));
}

export function closeSegment(durationTicks: i64): void {
  let e = entry(openSeq());
  store<u64>(e + E_END, writeAbs);
  store<i64>(e + E_DURATION, durationTicks);
  store<u32>(e + E_STATE, SEG_READY);
  segmentIsOpen = false;
  store<u32>(CLOSED_COUNTER, load<u32>(CLOSED_COUNTER) + 1);
}

/** Frees the space of released and dropped segments at the tail. */
export function reclaim(): void {
  while (tailSeq != headSeq) {
    let s = load<u32>(entry(tailSeq) + E_STATE);
    if (s != SEG_RELEASED && s != SEG_DROPPED) break;
    store<u32>(entry(tailSeq) + E_STATE, SEG_FREE);
    tailSeq++;
  }
  if (takeSeq - tailSeq > headSeq - tailSeq) takeSeq = tailSeq; // (never behind the tail)
}

/** The oldest segment holding space, if it is finished (ready or taken); else -1. */
export function oldestFinished(): i64 {
  if (tailSeq == headSeq) return -1;
  let s = load<u32>(entry(tailSeq) + E_STATE);
  return s == SEG_READY || s == SEG_TAKEN ? <i64>tailSeq : -1;
}

/** Marks a finished segment dropped; the next segment starts after a gap. */
export function markDropped(seq: u32): void {
  store<u32>(entry(seq) + E_STATE, SEG_DROPPED);
  if (seq + 1 != headSeq) {
    let next = entry(seq + 1);
    store<u32>(next + E_FLAGS, load<u32>(next + E_FLAGS) | SEGMENT_DISCONTINUITY);
  }
  reclaim();
}

/** Throws away the open segment: its space is rewound, its sequence number stays used (dropped). */
export function discardOpenSegment(): void {
  let e = entry(openSeq());
  let start = load<u64>(e + E_START);
  writeAbs = start;
  writePos = <u32>(start % <u64>ringCapacity);
  store<u64>(e + E_END, start);
  store<u32>(e + E_STATE, SEG_DROPPED);
  segmentIsOpen = false;
  reclaim();
}

/** Pointer to the next packet slot, and how many packet slots follow it before the end of the ring. */
// @ts-ignore: decorator
@inline export function writePointer(): usize {
  return ringBase + writePos;
}

// @ts-ignore: decorator
@inline export function contiguousPackets(): u32 {
  return (ringCapacity - writePos) / TS_PACKET;
}

/** Commits n packets written at writePointer() (n ≤ contiguousPackets()). */
// @ts-ignore: decorator
@inline export function advancePackets(n: u32): void {
  let bytes = n * TS_PACKET;
  writePos += bytes;
  if (writePos >= ringCapacity) writePos = 0;
  writeAbs += bytes;
}

/** Commits n bytes written at writePos, wrapping (fMP4 writes bytes, not packets: fmp4-writer.ts). */
export function advanceBytes(n: u32): void {
  writePos += n;
  if (writePos >= ringCapacity) writePos -= ringCapacity;
  writeAbs += n;
}

/** fMP4: the open segment's first picture ends `bytes` into it as handed out (fmp4-writer.ts firstPictureBytes). */
export function setOpenKeyframeBytes(bytes: u32): void {
  store<u32>(entry(openSeq()) + E_KEYFRAME_BYTES, bytes);
}

export function noteHighWater(): void {
  let used = usedBytes();
  if (used > highWater) highWater = used;
}

export function segmentState(seq: u32): u32 {
  // A sequence number outside [tail, head) is long gone.
  if (seq - tailSeq >= headSeq - tailSeq) return SEG_FREE;
  let e = entry(seq);
  return load<u32>(e + E_SEQ) == seq ? load<u32>(e + E_STATE) : SEG_FREE;
}

/**
 * The oldest finished segment not handed out yet becomes taken: its sequence number, or -1 when there is none
 * (the oldest not taken is still open). Released and dropped ones on the way are passed over.
 */
export function takeNext(): i64 {
  while (takeSeq != headSeq) {
    let seq = takeSeq;
    let s = segmentState(seq);
    if (s == SEG_OPEN) return -1;
    takeSeq++;
    if (s == SEG_READY) {
      setState(seq, SEG_TAKEN);
      return <i64>seq;
    }
  }
  return -1;
}

/** The store acknowledged a finished segment: its space comes back (in order). False if it was not finished. */
export function release(seq: u32): bool {
  let s = segmentState(seq);
  if (s != SEG_READY && s != SEG_TAKEN) return false;
  setState(seq, SEG_RELEASED);
  reclaim();
  return true;
}
