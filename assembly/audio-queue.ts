// The audio queue: ADTS frames waiting to be written between video frames in timestamp order. Bounded in
// frames and bytes (assembly/layout.ts). Frames are kept contiguous from the queue's start, so the first n form
// one PES payload in place, with AUDIO_QUEUE_HEADROOM bytes before it for the PES header.
import { audioQueueData, audioQueueTable, AUDIO_QUEUE_BYTES, AUDIO_QUEUE_FRAMES, AUDIO_TABLE_ENTRY } from "./layout";

// Entry fields: pts (i64 ticks), length, offset in the queue data, duration (ticks).
const AQ_PTS: usize = 0;
const AQ_LENGTH: usize = 8;
const AQ_OFFSET: usize = 12;
const AQ_DURATION: usize = 16;

let count: u32 = 0;
let bytes: u32 = 0;

// @ts-ignore: decorator
@inline function at(i: u32): usize {
  return audioQueueTable + <usize>i * AUDIO_TABLE_ENTRY;
}

export function audioQueueReset(): void {
  count = 0;
  bytes = 0;
}

export function audioQueued(): u32 {
  return count;
}

/** The first n frames' bytes, contiguous at audioQueueData. */
export function queuedBytes(n: u32): u32 {
  return n >= count ? bytes : load<u32>(at(n) + AQ_OFFSET);
}

export function queuedPts(i: u32): i64 {
  return load<i64>(at(i) + AQ_PTS);
}

/** How many frames from the first have pts before t (or at t when inclusive). */
export function framesBefore(t: i64, inclusive: bool): u32 {
  let n: u32 = 0;
  while (n < count) {
    let pts = queuedPts(n);
    if (inclusive ? pts > t : pts >= t) break;
    n++;
  }
  return n;
}

/** How many of the first n frames go in one PES of at most maxBytes (at least one). */
export function framesWithin(n: u32, maxBytes: u32): u32 {
  let k: u32 = 1;
  while (k < n && queuedBytes(k + 1) <= maxBytes) k++;
  return k;
}

/** How many frames from the first end at or before t. */
export function framesEndingBy(t: i64): u32 {
  let n: u32 = 0;
  while (n < count && queuedPts(n) + <i64>load<u32>(at(n) + AQ_DURATION) <= t) n++;
  return n;
}

/** Would a frame of len bytes fit without the oldest giving way? */
export function queueHasRoom(len: u32): bool {
  return count < AUDIO_QUEUE_FRAMES && bytes + len <= AUDIO_QUEUE_BYTES;
}

/** Appends a frame (the caller made room: queueHasRoom). */
export function enqueue(src: usize, len: u32, pts: i64, durationTicks: u32): void {
  let e = at(count);
  store<i64>(e + AQ_PTS, pts);
  store<u32>(e + AQ_LENGTH, len);
  store<u32>(e + AQ_OFFSET, bytes);
  store<u32>(e + AQ_DURATION, durationTicks);
  memory.copy(audioQueueData + bytes, src, len);
  bytes += len;
  count++;
}

/** Removes the first n frames. */
export function dequeue(n: u32): void {
  if (n == 0) return;
  if (n >= count) {
    audioQueueReset();
    return;
  }
  let from = load<u32>(at(n) + AQ_OFFSET);
  memory.copy(audioQueueData, audioQueueData + from, bytes - from);
  memory.copy(at(0), at(n), (count - n) * AUDIO_TABLE_ENTRY);
  count -= n;
  bytes -= from;
  for (let i: u32 = 0; i < count; i++) store<u32>(at(i) + AQ_OFFSET, load<u32>(at(i) + AQ_OFFSET) - from);
}
