// The core's contract with its hosts: every number both sides must agree on, defined here once.
// The Node host reads them from src/core-abi.ts, which `npm run build` generates from this file
// (scripts/core-abi.mjs: each `export const NAME: type = value; // comment` line becomes a TS constant, and the
// DROP_* codes become the DROP_REASONS list). test/core-abi.test.ts fails when the two differ.
// Only plain numbers here: no code, no imports.

// ---- init(ringBytes, maxFrameBytes, segmentMs, policy, heapReserve): bounds and results ----
export const MIN_RING_BYTES: u32 = 188 * 64; // 64 TS packets
export const MAX_RING_BYTES: u32 = 1 << 30; // the layout stays far from the 4 GiB address space
export const MIN_FRAME_BYTES: u32 = 1024;
export const MAX_FRAME_BYTES: u32 = 1 << 28;
export const MAX_HEAP_RESERVE: u32 = 1 << 24;
export const INIT_OK: i32 = 0;
export const INIT_NO_MEMORY: i32 = -1; // memory could not be grown to the layout
export const INIT_BAD_ARGUMENTS: i32 = -2; // a bound above is broken
export const POLICY_DROP_OLDEST: u32 = 0;
export const POLICY_DROP_NEW: u32 = 1;
// setCodec(codec): the video codec, or auto (the first NAL unit decides; see assembly/codec.ts)
export const CODEC_AUTO: u32 = 0;
export const CODEC_H264: u32 = 1;
export const CODEC_H265: u32 = 2;

// ---- setContainer(kind), called before init: the segments' format ----
export const CONTAINER_TS: u32 = 0; // MPEG-TS (the default)
export const CONTAINER_FMP4: u32 = 1; // fMP4: an init segment, then moof + mdat per segment
export const CONTAINER_AUTO: u32 = 2; // the codec decides (assembly/codec.ts containerForCodec): TS for H.264, fMP4 for H.265
export const FMP4_MAX_SAMPLES: u32 = 8192; // video + audio samples one fMP4 segment can hold (more: the frame is dropped)
export const FMP4_INIT_MAX: u32 = 4096; // bytes of the init segment area

// ---- segmentFileName / initFileName: the names of mux's files, written at fileNamePointer() ----
export const FILE_NAME_BYTES: u32 = 32; // "segment-" + up to 10 digits + ".m4s" fits

// ---- Results of a put: 0, or why the frame was not muxed (src/core-abi.ts DROP_REASONS names them) ----
export const OK: i32 = 0;
export const DROP_WAITING_FOR_KEYFRAME: i32 = 1; // no SPS/PPS + IDR seen yet, or dropping until the next IDR after a loss
export const DROP_FRAME_TOO_LARGE: i32 = 2; // larger than the input area or the whole ring
export const DROP_MALFORMED: i32 = 3; // no NAL unit, garbage, truncated, or bytes that are not whole ADTS frames
export const DROP_TIMESTAMP_BACKWARDS: i32 = 4; // decode timestamp not after the previous frame's
export const DROP_BUFFER_FULL: i32 = 5; // ring full under the drop-new policy
export const DROP_AUDIO_FORMAT_CHANGE: i32 = 6; // sample rate or channels changed mid-stream
export const DROP_AUDIO_UNSUPPORTED: i32 = 7; // well-formed ADTS but not AAC-LC, 8-48 kHz, mono or stereo
export const DROP_CODEC_H266: i32 = 8; // the video is H.266/VVC (its first NAL header says so): not carried
export const DROP_CODEC_MJPEG: i32 = 9; // the video is MJPEG (it starts with a JPEG SOI, FF D8 FF): not carried

// ---- The segment info struct: f64 words at infoPointer(), filled by takeSegment() ----
export const INFO_ID: u32 = 0; // sequence number
export const INFO_PART1_OFFSET: u32 = 1; // first view: offset in linear memory, length
export const INFO_PART1_LENGTH: u32 = 2;
export const INFO_PART2_OFFSET: u32 = 3; // second view (the segment wraps the ring end): length 0 when none
export const INFO_PART2_LENGTH: u32 = 4;
export const INFO_START_PTS_US: u32 = 5; // first picture's presentation time, input clock
export const INFO_DURATION_US: u32 = 6;
export const INFO_WALL_START_MS: u32 = 7;
export const INFO_VIDEO_FRAMES: u32 = 8;
export const INFO_AUDIO_FRAMES: u32 = 9;
export const INFO_FLAGS: u32 = 10; // SEGMENT_* bits
export const INFO_WIDTH: u32 = 11;
export const INFO_HEIGHT: u32 = 12;
export const INFO_AUDIO_OBJECT_TYPE: u32 = 13;
export const INFO_AUDIO_SAMPLE_RATE: u32 = 14;
export const INFO_AUDIO_CHANNELS: u32 = 15;
export const INFO_DURATION_TICKS: u32 = 16; // exact, 90 kHz
export const INFO_KEYFRAME_BYTES: u32 = 17; // bytes from the start to the end of the first picture (TS: PAT, PMT, IDR; fMP4: moof, mdat header, samples to the first video one's end)
export const INFO_CODEC: u32 = 18; // CODEC_H264 or CODEC_H265
export const INFO_CODEC_STRING_LENGTH: u32 = 19; // the video's RFC 6381 codec string, ASCII at codecStringPointer()
// fMP4 (assembly/fmp4-writer.ts): PART1/PART2 view the head (moof + mdat header), PART3/PART4 the samples.
export const INFO_PART3_OFFSET: u32 = 20; // length 0 for TS
export const INFO_PART3_LENGTH: u32 = 21;
export const INFO_PART4_OFFSET: u32 = 22;
export const INFO_PART4_LENGTH: u32 = 23;
export const INFO_INIT_VERSION: u32 = 24; // fMP4: 1, 2... the init segment (initPointer()) this segment needs; 0 for TS
export const INFO_INIT_LENGTH: u32 = 25;
export const INFO_WORDS: u32 = 26;

export const CODEC_STRING_BYTES: u32 = 48; // "hvc1.A255.FFFFFFFF.H255.FF.FF.FF.FF.FF.FF" is 41

export const SEGMENT_DISCONTINUITY: u32 = 1; // the timeline has a gap before this segment
export const SEGMENT_AUDIO: u32 = 2; // the segment carries an audio track

// ---- The stats struct: f64 words at the address refreshStats() returns ----
export const STATS_VIDEO_FRAMES_IN: u32 = 0;
export const STATS_AUDIO_FRAMES_IN: u32 = 1;
export const STATS_BYTES_IN: u32 = 2;
export const STATS_VIDEO_FRAMES_DROPPED: u32 = 3;
export const STATS_AUDIO_FRAMES_DROPPED: u32 = 4;
export const STATS_SEGMENTS_MADE: u32 = 5;
export const STATS_SEGMENTS_DROPPED: u32 = 6;
export const STATS_RING_USED: u32 = 7;
export const STATS_RING_HIGH_WATER: u32 = 8;
export const STATS_RING_CAPACITY: u32 = 9;
export const STATS_TS_PACKETS: u32 = 10;
export const STATS_SEGMENT_SLOTS_FREE: u32 = 11;
export const STATS_WORDS: u32 = 12;

// ---- Segments dropped since takeDropped() last ran: entries of f64 words at droppedPointer() ----
export const DROPPED_MAX: u32 = 64; // more are counted in the stats, not described
export const DROPPED_SEQ: u32 = 0;
export const DROPPED_WALL_START_MS: u32 = 1;
export const DROPPED_DURATION_US: u32 = 2;
export const DROPPED_WORDS: u32 = 3;

// ---- Raw stream readers (files, pipes): u32 words at rawStatusPointer() ----
export const RAW_CHUNK_BYTES: u32 = 64 * 1024; // the most one rawVideoPush / rawAudioPush takes
export const RATE_TERM_MAX: u32 = 1000000; // a frame rate's terms, in lowest terms, are at most this
export const FRAME_RATE_TEXT_BYTES: u32 = 32; // parseFrameRate's text area (a longer text is no rate: ≤ 15 digits a term)
export const RS_RATE_NUM: u32 = 0; // the rate in use, 0 until known
export const RS_RATE_DEN: u32 = 1;
export const RS_STREAM_NUM: u32 = 2; // the rate the SPS's VUI timing gives, 0 when it carries none
export const RS_STREAM_DEN: u32 = 3;
export const RS_NEEDS_RATE: u32 = 4; // 1: no rate given and the SPS has no timing; video is not muxed
export const RS_AUDIO_FRAMES: u32 = 5; // ADTS frames accepted
export const RS_AUDIO_UNSUPPORTED: u32 = 6; // well-formed ADTS frames refused: not AAC-LC, 8-48 kHz, 1-2 channels
export const RS_REFUSED_OBJECT_TYPE: u32 = 7; // the last refused frame's format
export const RS_REFUSED_SAMPLE_RATE: u32 = 8;
export const RS_REFUSED_CHANNELS: u32 = 9;
export const RS_UNSUPPORTED_VIDEO: u32 = 10; // DROP_CODEC_H266 or DROP_CODEC_MJPEG: the video stream is one we do not carry
export const RS_WORDS: u32 = 11;

// ---- Feeding raw streams, as `ipc-hls mux` and the WASI command both do (the same pieces give the same bytes) ----
export const RAW_VIDEO_PIECE_BYTES: u32 = 4096; // video goes in pieces this size
export const RAW_AUDIO_PIECE_BYTES: u32 = 2048;
export const RAW_AUDIO_LEAD_TICKS: u32 = 45000; // audio is fed while it is at most this far ahead (rawAudioDue)
export const RAW_TIMING_MISMATCH: u32 = 50; // rates or lengths more than 1/50 (2 %) apart get a warning
