// Where everything lives in linear memory. Sized once by init(); memory never grows after that, so the
// host's views into it stay valid.
//
//   [static data: CRC tables, parameter sets, info/stats structs]  (memory.data, below __heap_base)
//   [heap reserve]            room for the AssemblyScript runtime's own allocations (WASI argument strings)
//   [input area]              HEADROOM + maxFrame: the host copies an access unit here; the PES header and any
//                             inserted AUD/SPS/PPS are written into the headroom right before it
//   [audio queue]             ADTS frames waiting to be interleaved with video, and their table
//   [raw input buffers]       chunk areas for the raw Annex B / ADTS stream readers (CLI, WASI)
//   [segment table]
//   [fMP4 area]               only with the fMP4 container: sample table and moof scratch
//   [ring]                    whole 188-byte TS packets

import { RAW_CHUNK_BYTES } from "./abi";

export const TS_PACKET: u32 = 188;
export const HEADROOM: u32 = 2048;
export const MAX_SEGMENTS: u32 = 256;
export const SEGMENT_ENTRY: u32 = 64;
export const AUDIO_QUEUE_BYTES: u32 = 64 * 1024;
export const AUDIO_QUEUE_HEADROOM: u32 = 64;
export const AUDIO_QUEUE_FRAMES: u32 = 512;
export const AUDIO_TABLE_ENTRY: u32 = 24;
export const RAW_AUDIO_BYTES: u32 = 16 * 1024;

export let inputArea: usize = 0; // start of the headroom
export let inputPtr: usize = 0; // where the host writes a frame
export let inputCapacity: u32 = 0;
export let audioQueueData: usize = 0; // after its headroom
export let audioQueueTable: usize = 0;
export let rawChunk: usize = 0;
export let rawAudioBuffer: usize = 0;
export let segmentTable: usize = 0;
export let fmp4Area: usize = 0; // fMP4 only: sample table and head scratch (fmp4-writer.ts)
export let ringBase: usize = 0;
export let ringCapacity: u32 = 0;
export let memoryEnd: usize = 0;

function align(n: usize, a: usize): usize {
  return (n + a - 1) & ~(a - 1);
}

/** Lays out the regions and grows memory once to hold them. Returns false if memory cannot be had. */
export function layOut(ringBytes: u32, maxFrame: u32, heapReserve: u32, fmp4Bytes: u32 = 0): bool {
  let p = align(__heap_base + <usize>heapReserve, 64);
  inputArea = p;
  inputPtr = p + HEADROOM;
  inputCapacity = maxFrame;
  p = align(inputPtr + maxFrame, 64);
  audioQueueData = p + AUDIO_QUEUE_HEADROOM;
  p = align(audioQueueData + AUDIO_QUEUE_BYTES, 64);
  audioQueueTable = p;
  p += AUDIO_QUEUE_FRAMES * AUDIO_TABLE_ENTRY;
  rawChunk = p;
  p = align(p + RAW_CHUNK_BYTES, 64);
  rawAudioBuffer = p;
  p = align(p + RAW_AUDIO_BYTES + RAW_CHUNK_BYTES, 64);
  segmentTable = p;
  p += MAX_SEGMENTS * SEGMENT_ENTRY;
  if (fmp4Bytes > 0) {
    fmp4Area = align(p, 64);
    p = fmp4Area + fmp4Bytes;
  }
  ringBase = align(p, 64);
  ringCapacity = (ringBytes / TS_PACKET) * TS_PACKET;
  memoryEnd = ringBase + ringCapacity;
  let pagesNeeded = <i32>((memoryEnd + 0xffff) >>> 16);
  let have = memory.size();
  if (pagesNeeded > have && memory.grow(pagesNeeded - have) < 0) return false;
  return true;
}
