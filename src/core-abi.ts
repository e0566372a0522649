// Generated from assembly/abi.ts by scripts/core-abi.mjs (npm run build): do not edit here.
// The core's contract: word indexes of the structs it fills, its result codes and limits.

// ---- init(ringBytes, maxFrameBytes, segmentMs, policy, heapReserve): bounds and results ----
/** 64 TS packets */
export const MIN_RING_BYTES = 12032;
/** the layout stays far from the 4 GiB address space */
export const MAX_RING_BYTES = 1073741824;
export const MIN_FRAME_BYTES = 1024;
export const MAX_FRAME_BYTES = 268435456;
export const MAX_HEAP_RESERVE = 16777216;
export const INIT_OK = 0;
/** memory could not be grown to the layout */
export const INIT_NO_MEMORY = -1;
/** a bound above is broken */
export const INIT_BAD_ARGUMENTS = -2;
export const POLICY_DROP_OLDEST = 0;
export const POLICY_DROP_NEW = 1;
export const CODEC_AUTO = 0;
export const CODEC_H264 = 1;
export const CODEC_H265 = 2;

// ---- setContainer(kind), called before init: the segments' format ----
/** MPEG-TS (the default) */
export const CONTAINER_TS = 0;
/** fMP4: an init segment, then moof + mdat per segment */
export const CONTAINER_FMP4 = 1;
/** the codec decides (assembly/codec.ts containerForCodec): TS for H.264, fMP4 for H.265 */
export const CONTAINER_AUTO = 2;
/** video + audio samples one fMP4 segment can hold (more: the frame is dropped) */
export const FMP4_MAX_SAMPLES = 8192;
/** bytes of the init segment area */
export const FMP4_INIT_MAX = 4096;

// ---- segmentFileName / initFileName: the names of mux's files, written at fileNamePointer() ----
/** "segment-" + up to 10 digits + ".m4s" fits */
export const FILE_NAME_BYTES = 32;

// ---- Results of a put: 0, or why the frame was not muxed (src/core-abi.ts DROP_REASONS names them) ----
export const OK = 0;
/** no SPS/PPS + IDR seen yet, or dropping until the next IDR after a loss */
export const DROP_WAITING_FOR_KEYFRAME = 1;
/** larger than the input area or the whole ring */
export const DROP_FRAME_TOO_LARGE = 2;
/** no NAL unit, garbage, truncated, or bytes that are not whole ADTS frames */
export const DROP_MALFORMED = 3;
/** decode timestamp not after the previous frame's */
export const DROP_TIMESTAMP_BACKWARDS = 4;
/** ring full under the drop-new policy */
export const DROP_BUFFER_FULL = 5;
/** sample rate or channels changed mid-stream */
export const DROP_AUDIO_FORMAT_CHANGE = 6;
/** well-formed ADTS but not AAC-LC, 8-48 kHz, mono or stereo */
export const DROP_AUDIO_UNSUPPORTED = 7;
/** the video is H.266/VVC (its first NAL header says so): not carried */
export const DROP_CODEC_H266 = 8;
/** the video is MJPEG (it starts with a JPEG SOI, FF D8 FF): not carried */
export const DROP_CODEC_MJPEG = 9;

// ---- The segment info struct: f64 words at infoPointer(), filled by takeSegment() ----
/** sequence number */
export const INFO_ID = 0;
/** first view: offset in linear memory, length */
export const INFO_PART1_OFFSET = 1;
export const INFO_PART1_LENGTH = 2;
/** second view (the segment wraps the ring end): length 0 when none */
export const INFO_PART2_OFFSET = 3;
export const INFO_PART2_LENGTH = 4;
/** first picture's presentation time, input clock */
export const INFO_START_PTS_US = 5;
export const INFO_DURATION_US = 6;
export const INFO_WALL_START_MS = 7;
export const INFO_VIDEO_FRAMES = 8;
export const INFO_AUDIO_FRAMES = 9;
/** SEGMENT_* bits */
export const INFO_FLAGS = 10;
export const INFO_WIDTH = 11;
export const INFO_HEIGHT = 12;
export const INFO_AUDIO_OBJECT_TYPE = 13;
export const INFO_AUDIO_SAMPLE_RATE = 14;
export const INFO_AUDIO_CHANNELS = 15;
/** exact, 90 kHz */
export const INFO_DURATION_TICKS = 16;
/** bytes from the start to the end of the first picture (TS: PAT, PMT, IDR; fMP4: moof, mdat header, samples to the first video one's end) */
export const INFO_KEYFRAME_BYTES = 17;
/** CODEC_H264 or CODEC_H265 */
export const INFO_CODEC = 18;
/** the video's RFC 6381 codec string, ASCII at codecStringPointer() */
export const INFO_CODEC_STRING_LENGTH = 19;
/** length 0 for TS */
export const INFO_PART3_OFFSET = 20;
export const INFO_PART3_LENGTH = 21;
export const INFO_PART4_OFFSET = 22;
export const INFO_PART4_LENGTH = 23;
/** fMP4: 1, 2... the init segment (initPointer()) this segment needs; 0 for TS */
export const INFO_INIT_VERSION = 24;
export const INFO_INIT_LENGTH = 25;
export const INFO_WORDS = 26;
/** "hvc1.A255.FFFFFFFF.H255.FF.FF.FF.FF.FF.FF" is 41 */
export const CODEC_STRING_BYTES = 48;
/** the timeline has a gap before this segment */
export const SEGMENT_DISCONTINUITY = 1;
/** the segment carries an audio track */
export const SEGMENT_AUDIO = 2;

// ---- The stats struct: f64 words at the address refreshStats() returns ----
export const STATS_VIDEO_FRAMES_IN = 0;
export const STATS_AUDIO_FRAMES_IN = 1;
export const STATS_BYTES_IN = 2;
export const STATS_VIDEO_FRAMES_DROPPED = 3;
export const STATS_AUDIO_FRAMES_DROPPED = 4;
export const STATS_SEGMENTS_MADE = 5;
export const STATS_SEGMENTS_DROPPED = 6;
export const STATS_RING_USED = 7;
export const STATS_RING_HIGH_WATER = 8;
export const STATS_RING_CAPACITY = 9;
export const STATS_TS_PACKETS = 10;
export const STATS_SEGMENT_SLOTS_FREE = 11;
export const STATS_WORDS = 12;

// ---- Segments dropped since takeDropped() last ran: entries of f64 words at droppedPointer() ----
/** more are counted in the stats, not described */
export const DROPPED_MAX = 64;
export const DROPPED_SEQ = 0;
export const DROPPED_WALL_START_MS = 1;
export const DROPPED_DURATION_US = 2;
export const DROPPED_WORDS = 3;

// ---- Raw stream readers (files, pipes): u32 words at rawStatusPointer() ----
/** the most one rawVideoPush / rawAudioPush takes */
export const RAW_CHUNK_BYTES = 65536;
/** a frame rate's terms, in lowest terms, are at most this */
export const RATE_TERM_MAX = 1000000;
/** parseFrameRate's text area (a longer text is no rate: ≤ 15 digits a term) */
export const FRAME_RATE_TEXT_BYTES = 32;
/** the rate in use, 0 until known */
export const RS_RATE_NUM = 0;
export const RS_RATE_DEN = 1;
/** the rate the SPS's VUI timing gives, 0 when it carries none */
export const RS_STREAM_NUM = 2;
export const RS_STREAM_DEN = 3;
/** 1: no rate given and the SPS has no timing; video is not muxed */
export const RS_NEEDS_RATE = 4;
/** ADTS frames accepted */
export const RS_AUDIO_FRAMES = 5;
/** well-formed ADTS frames refused: not AAC-LC, 8-48 kHz, 1-2 channels */
export const RS_AUDIO_UNSUPPORTED = 6;
/** the last refused frame's format */
export const RS_REFUSED_OBJECT_TYPE = 7;
export const RS_REFUSED_SAMPLE_RATE = 8;
export const RS_REFUSED_CHANNELS = 9;
/** DROP_CODEC_H266 or DROP_CODEC_MJPEG: the video stream is one we do not carry */
export const RS_UNSUPPORTED_VIDEO = 10;
export const RS_WORDS = 11;

// ---- Feeding raw streams, as `ipc-hls mux` and the WASI command both do (the same pieces give the same bytes) ----
/** video goes in pieces this size */
export const RAW_VIDEO_PIECE_BYTES = 4096;
export const RAW_AUDIO_PIECE_BYTES = 2048;
/** audio is fed while it is at most this far ahead (rawAudioDue) */
export const RAW_AUDIO_LEAD_TICKS = 45000;
/** rates or lengths more than 1/50 (2 %) apart get a warning */
export const RAW_TIMING_MISMATCH = 50;

/**
 * Why a frame was not muxed (counted in the stats either way): the core returns the index into this list
 * (DROP_* above; 0 = taken).
 */
export const DROP_REASONS = [
  undefined,
  "waiting-for-keyframe", // no SPS/PPS + IDR seen yet, or dropping until the next IDR after a loss
  "frame-too-large", // larger than the input area or the whole ring
  "malformed", // no NAL unit, garbage, truncated, or bytes that are not whole ADTS frames
  "timestamp-backwards", // decode timestamp not after the previous frame's
  "buffer-full", // ring full under the drop-new policy
  "audio-format-change", // sample rate or channels changed mid-stream
  "audio-unsupported", // well-formed ADTS but not AAC-LC, 8-48 kHz, mono or stereo
  "codec-h266", // the video is H.266/VVC (its first NAL header says so): not carried
  "codec-mjpeg", // the video is MJPEG (it starts with a JPEG SOI, FF D8 FF): not carried
] as const;
