// The host's view of the WASM muxing core (implemented in src/core.ts over assembly/index.ts).

import { DROP_REASONS, MAX_RING_BYTES, MIN_RING_BYTES } from "./core-abi.js";

/** The smallest ring the core accepts: 64 TS packets. */
export const MIN_BUFFER_SIZE = MIN_RING_BYTES;
/** The largest ring the core accepts (the layout stays far from the 4 GiB address space). */
export const MAX_BUFFER_SIZE = MAX_RING_BYTES;
/** Target segment durations the core accepts, in seconds. */
export const SEGMENT_DURATION_MIN = 0.1;
export const SEGMENT_DURATION_MAX = 60;

/** What the core does when the ring buffer cannot take the next frame. */
export type OverflowPolicy = "drop-oldest" | "drop-new";
export const VIDEO_CODECS = ["auto", "h264", "h265"] as const;
export type VideoCodec = (typeof VIDEO_CODECS)[number];

export interface CoreOptions {
  /** Ring buffer size in bytes (rounded down to whole 188-byte TS packets). The C SDK uses 4 MiB for 5 Mbps. */
  bufferSize: number;
  /** Largest access unit accepted, in bytes (the input area). Default: bufferSize / 8, between 64 KiB and 1 MiB. */
  maxFrameSize?: number;
  /** Target segment duration in seconds; a segment is cut before the first IDR at or after it. Default 2. */
  segmentDuration?: number;
  overflowPolicy?: OverflowPolicy;
  /**
   * The video codec of the frames: "auto" (default) takes it from the stream (an H.265 VPS, SPS, PPS or AUD as the
   * first NAL unit means H.265, anything else H.264), "h264" or "h265" fix it.
   */
  videoCodec?: VideoCodec;
  /**
   * Audio will be put beside the video: the PMT lists the audio stream from the first segment on. Without it
   * audio is listed from the first segment that starts after audio was first seen.
   */
  audio?: boolean;
  /**
   * Wall clock, ms since the epoch (default Date.now). Read when a segment anchors its wall time: the first
   * segment, and the first after the camera's clock restarted; later segments follow the frames' timestamps.
   */
  clock?: () => number;
  /**
   * The segments' format: "ts" (MPEG-TS) or "fmp4" (fragmented MP4: an init segment, then one moof + mdat per
   * segment; each segment names its init segment in `init`). Default: the core's rule for the codec, TS for H.264
   * and fMP4 for H.265 (with videoCodec "auto", as the stream shows; a segment with `init` is fMP4).
   */
  container?: Container;
}

/** The segments' format. */
export type Container = "ts" | "fmp4";
export const CONTAINERS: readonly Container[] = ["ts", "fmp4"];

/** An fMP4 init segment (ftyp + moov): version 1, 2… changes only when the parameter sets or the audio format do. */
export interface InitSegment {
  version: number;
  /** A view into WASM memory: copy it before the core has started two more init segments. */
  bytes: Uint8Array;
}

/** Why a frame was not muxed (counted in the stats either way), indexed by the core's code (assembly/abi.ts DROP_*). */
export { DROP_REASONS };

export type DropReason = Exclude<(typeof DROP_REASONS)[number], undefined>;
// (Audio that waits too long for video is dropped later, not at its put: it shows in stats().audioFramesDropped.)

/** A finished segment: whole, independently decodable, at most two views into the core's linear memory. */
export interface Segment {
  /** Core-assigned id; pass it to release(). */
  id: number;
  /** 0, 1, 2... in this core's lifetime. */
  seq: number;
  /** Up to four views into WASM memory (fMP4: the moof first); valid until release() or until the core drops the segment. */
  parts: Uint8Array[];
  byteLength: number;
  /** Presentation time of the first video frame, microseconds on the input clock. */
  startPtsUs: number;
  durationUs: number;
  /** Wall-clock start (ms since epoch): the first frame's wall time + media time since then. */
  wallStartMs: number;
  /** RFC 6381 codecs, e.g. "avc1.64001f" or "avc1.64001f,mp4a.40.2". */
  codecs: string;
  width: number;
  height: number;
  videoFrames: number;
  audioFrames: number;
  /** Set on the first segment after a drop or a restart: the timeline has a gap before it. */
  discontinuity: boolean;
  /** Present when the segment carries an audio track. */
  audio?: { sampleRate: number; channels: number };
  /** Duration in 90 kHz ticks (exact; durationUs is derived from it). */
  durationTicks: number;
  /**
   * Bytes from the segment's start that hold its first picture: TS, to the end of the packet that ends it (PAT, PMT,
   * the IDR); fMP4, the moof, the mdat header and the samples up to the end of the first video sample (the IRAP).
   * A ranged GET of this many bytes (after the init segment, for fMP4) holds a decodable picture (thumbnails,
   * I-frame playlists).
   */
  keyframeBytes: number;
  /** fMP4 only: the init segment this segment needs. */
  init?: InitSegment;
}

export interface CoreStats {
  videoFramesIn: number;
  audioFramesIn: number;
  bytesIn: number;
  videoFramesDropped: number;
  audioFramesDropped: number;
  segmentsMade: number;
  segmentsDropped: number;
  /** Bytes of the ring in use now, and the most ever in use. */
  bufferUsed: number;
  bufferHighWater: number;
  bufferCapacity: number;
  tsPackets: number;
  /** Entries left in the core's segment table (finished segments not released, and the open one, use one each). */
  segmentSlotsFree: number;
}
