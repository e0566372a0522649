// `ipc-hls.wasm`: the muxing core as a WASI preview1 command, for cameras that embed a WebAssembly runtime
// (wasmtime, WAMR) instead of Node. It does what `ipc-hls mux` does (src/cli/mux.ts, src/mux-files.ts) with
// the same core and the same feeding pattern, so both write the same segments and the same index.m3u8:
//
//   wasmtime run --dir out ipc-hls.wasm --fps 25 --out out < camera.h264
//
// Memory is declared once (asconfig.json "wasi" target: initial = maximum) and never grows. The entry makes no
// managed allocations: arguments and preopened directory names go into the heap reserve that init() keeps free
// below the core's regions, everything else is static data.
import { FILE_NAME, nameSegment, nameInit } from "./file-names";
import {
  init, flush, takeSegment, releaseSegment, infoPointer, refreshStats, setContainer, initPointer, codecStringPointer,
} from "./index";
import {
  rawInit, rawChunkPtr, rawVideoPushFrom, rawVideoEnd, rawAudioChunkPtr, rawAudioPushFrom, rawAudioEnd, rawVideoTime, rawAudioTime,
  rawAudioDue, rawStatusPointer,
} from "./raw-input";
import {
  RAW_CHUNK_BYTES, RAW_VIDEO_PIECE_BYTES, RAW_TIMING_MISMATCH, RAW_AUDIO_PIECE_BYTES, RS_RATE_NUM, RS_RATE_DEN, RS_STREAM_NUM, RS_STREAM_DEN, RS_NEEDS_RATE, RS_AUDIO_FRAMES, RS_AUDIO_UNSUPPORTED,
  RS_REFUSED_OBJECT_TYPE, RS_REFUSED_SAMPLE_RATE, RS_REFUSED_CHANNELS, RS_UNSUPPORTED_VIDEO, DROP_CODEC_H266, INFO_PART1_OFFSET, INFO_PART1_LENGTH, INFO_PART2_OFFSET,
  INFO_PART2_LENGTH, INFO_FLAGS, INFO_CODEC_STRING_LENGTH, CODEC_STRING_BYTES, INFO_AUDIO_OBJECT_TYPE, INFO_DURATION_TICKS,
  SEGMENT_DISCONTINUITY, SEGMENT_AUDIO, STATS_VIDEO_FRAMES_IN, STATS_AUDIO_FRAMES_IN, STATS_VIDEO_FRAMES_DROPPED,
  STATS_AUDIO_FRAMES_DROPPED, POLICY_DROP_NEW, INIT_OK, INFO_PART3_OFFSET, INFO_PART3_LENGTH, INFO_PART4_OFFSET, INFO_PART4_LENGTH,
  INFO_INIT_VERSION, INFO_INIT_LENGTH, CONTAINER_TS, CONTAINER_FMP4, FILE_NAME_BYTES,
} from "./abi";
import {
  STDIN, STDOUT, STDERR, ERRNO_NOENT, ERRNO_ISDIR, ERRNO_NOTDIR, ERRNO_ACCES, ERRNO_PERM, ERRNO_NOTCAPABLE, ERRNO_NOSPC,
  openForReading, openDirectory, createFile,
  readFull, writeAll, close, exit,
} from "./wasi-sys";
import {
  parseArguments, argError, argErrorPtr, argErrorLen, helpWanted, argPtr, argLen, given, parseFrameRate, parseSeconds,
  parseWhole, argumentsEnd, fpsNum, fpsDen, containerArgument, ARG_INPUT, ARG_OUT, ARG_AUDIO, ARG_FPS, ARG_SEGMENT_DURATION,
  ARG_BUFFER_SIZE, ARG_CONTAINER,
} from "./wasi-args";
import { findPreopens, resolve, resolvedDir, resolvedPath, resolvedLength } from "./wasi-preopens";
import { playlistStart, playlistAdd, playlistFinish, playlistAbandon } from "./wasi-playlist";
import { textTo, textEnd, text, bytes, decimal, fixed } from "./wasi-text";

/** Room for the arguments and the preopened directories' names, kept free by init() below its regions. */
const HEAP_RESERVE: u32 = 16 * 1024;
/** The ring buffer the memory is sized for (as `ipc-hls mux`'s default --buffer-size). */
const DEFAULT_BUFFER_BYTES: u32 = 8 * 1024 * 1024;

const EXIT_ERROR: u32 = 1;
const EXIT_USAGE: u32 = 2;

const HELP = `Usage: ipc-hls.wasm [input.h264|input.hevc|-] --out <dir> [--fps <rate>] [options]

Packages a raw Annex B H.264 or H.265 stream (a file in a preopened directory, or standard input when the input
is - or not given; the codec is seen in the stream) into HLS segments cut at IDR (H.265: IRAP) frames, and writes
<dir>/segment-NNNNNN.ts plus <dir>/index.m3u8 (a VOD playlist).
<dir> must be a preopened directory or a directory inside one (created if missing).

Options:
  --fps <rate>               frame rate of the raw stream: 25, 29.97 or 30000/1001 (default: the one its SPS
                             carries, as x264 and most cameras write it; required for a stream without one)
  --out <dir>                output directory (required)
  --audio <file.aac>         an ADTS AAC stream (AAC-LC, 8-48 kHz, mono or stereo) to mux beside the video,
                             timed by its sample count
  --segment-duration <s>     target segment duration in seconds (default 2); cuts happen at the next IDR
  --buffer-size <bytes>      ring buffer size, 65536 to 8388608 (default 8388608: the memory is fixed)
  --container ts|fmp4        segment format (default: ts for H.264, fmp4 for H.265); fmp4 writes init.mp4 and segment-NNNNNN.m4s
  -h, --help                 this help

Examples:
  wasmtime run --dir out ipc-hls.wasm --out out < camera.h264
  wasmtime run --dir . ipc-hls.wasm camera.h264 --audio mic.aac --fps 30000/1001 --out out
  wasmtime run --dir . ipc-hls.wasm camera.h264 --container fmp4 --out out
`;

// As src/cli/command.ts FPS_REQUIRED.
const FPS_REQUIRED = "--fps is required: the stream's SPS carries no frame rate (no VUI timing); e.g. --fps 25, --fps 29.97, --fps 30000/1001";

export function _start(): void {
  let code = run();
  if (code != 0) exit(code);
}

// ---- Messages ----

function errnoText(err: i32): string {
  if (err == ERRNO_NOENT) return "not found";
  if (err == ERRNO_ISDIR) return "is a directory";
  if (err == ERRNO_NOTDIR) return "not a directory";
  if (err == ERRNO_ACCES || err == ERRNO_PERM || err == ERRNO_NOTCAPABLE) return "permission denied";
  if (err == ERRNO_NOSPC) return "no space left";
  return "I/O error";
}

/** "ipc-hls: <message> <argument>" on stderr; returns the exit code. */
function fail(code: u32, message: string, argPointer: usize = 0, argLength: i32 = -1, err: i32 = 0): u32 {
  textTo(STDERR);
  text("ipc-hls: ");
  text(message);
  if (argLength >= 0) {
    text(" \"");
    bytes(argPointer, <u32>argLength);
    text("\"");
  }
  if (err != 0) {
    text(": ");
    text(errnoText(err));
    text(" (WASI errno ");
    decimal(<u64>err);
    text(")");
  }
  text("\n");
  if (code == EXIT_USAGE) text("Run with --help for the options.\n");
  textEnd();
  return code;
}

function failArg(code: u32, message: string, slot: i32, err: i32 = 0): u32 {
  return fail(code, message, argPtr(slot), argLen(slot), err);
}

// ---- Files ----

function isStdin(slot: i32): bool {
  return argLen(slot) == 1 && load<u8>(argPtr(slot)) == 45 /* - */;
}

/** openInput's result when the path is in no preopened directory (errno values are all below 100). */
const NOT_PREOPENED: i32 = -1000;

/** Opens an input named by an argument: "-" is standard input. Returns the fd, -errno, or NOT_PREOPENED. */
function openInput(slot: i32): i32 {
  if (isStdin(slot)) return <i32>STDIN;
  if (!resolve(argPtr(slot), <u32>argLen(slot))) return NOT_PREOPENED;
  return openForReading(resolvedDir, resolvedPath, resolvedLength);
}

function inputError(slot: i32, result: i32): u32 {
  let what = slot == ARG_AUDIO ? "audio input" : "input";
  textTo(STDERR);
  text("ipc-hls: ");
  text(what);
  text(" \"");
  bytes(argPtr(slot), <u32>argLen(slot));
  text("\" ");
  if (result == NOT_PREOPENED) text("is not in a preopened directory (wasmtime run --dir <dir> …)");
  else if (-result == ERRNO_NOENT) text("not found");
  else {
    text("cannot be opened: ");
    text(errnoText(-result));
  }
  text("\n");
  textEnd();
  return EXIT_USAGE;
}

// ---- Segments out ----

// The segment's name is at FILE_NAME (file-names.ts); the init segment's is kept for the playlist line.
const SEGMENT_NAME = FILE_NAME;
const INIT_NAME: usize = memory.data(FILE_NAME_BYTES);
let initNameLength: u32 = 0;

let outDir: u32 = 0;
let segmentsWritten: u32 = 0;
let initWritten: u32 = 0; // fMP4: the init segment version written last (0: none yet)
let totalTicks: i64 = 0;
let writeError: i32 = 0;
// The first segment's codec parameters, for the summary line.
const FIRST_CODEC: usize = memory.data(CODEC_STRING_BYTES);
let firstCodecLength: u32 = 0;
let firstAudioObjectType: u32 = 0;
let firstHasAudio = false;

function info(word: u32): f64 {
  return load<f64>(infoPointer() + (<usize>word << 3));
}

function stat(word: u32): u64 {
  return <u64>load<f64>(refreshStats() + (<usize>word << 3));
}

/** Writes a view of a segment (offset and length at those info words; length 0: none) to `fd`; 0 or an errno. */
function writeView(fd: u32, offsetWord: u32, lengthWord: u32): u16 {
  let length = <u32>info(lengthWord);
  return length > 0 ? writeAll(fd, <usize>info(offsetWord), length) : 0;
}

/** Writes every finished segment to its file and the playlist; false after a write error (writeError set). */
function drain(): bool {
  for (let id = takeSegment(); id >= 0; id = takeSegment()) {
    // fMP4: a new init segment first; it starts a new period of the playlist (the decoder is set up anew).
    let version = <u32>info(INFO_INIT_VERSION);
    let newInit = version != 0 && version != initWritten;
    if (newInit) {
      let length = nameInit(version);
      memory.copy(INIT_NAME, FILE_NAME, length);
      initNameLength = length;
      let fd = createFile(outDir, INIT_NAME, initNameLength);
      let err: u16 = fd < 0 ? <u16>-fd : writeAll(<u32>fd, initPointer(version), <u32>info(INFO_INIT_LENGTH));
      if (fd >= 0) close(<u32>fd);
      if (err != 0) {
        writeError = err;
        return false;
      }
    }
    // With no --container the codec chose: a segment with an init version is fMP4.
    let segmentNameLength = nameSegment(<u32>id, version != 0 ? CONTAINER_FMP4 : CONTAINER_TS);
    // A TS segment that wraps around the end of the ring comes in two parts; an fMP4 one in up to four (the
    // moof first, in one or two, then the samples).
    let fd = createFile(outDir, SEGMENT_NAME, segmentNameLength);
    if (fd < 0) {
      writeError = -fd;
      return false;
    }
    let err = writeView(<u32>fd, INFO_PART1_OFFSET, INFO_PART1_LENGTH);
    if (err == 0) err = writeView(<u32>fd, INFO_PART2_OFFSET, INFO_PART2_LENGTH);
    if (err == 0) err = writeView(<u32>fd, INFO_PART3_OFFSET, INFO_PART3_LENGTH);
    if (err == 0) err = writeView(<u32>fd, INFO_PART4_OFFSET, INFO_PART4_LENGTH);
    close(<u32>fd);
    if (err != 0) {
      writeError = err;
      return false;
    }
    let ticks = <i64>info(INFO_DURATION_TICKS);
    let flags = <u32>info(INFO_FLAGS);
    let discontinuity = ((flags & SEGMENT_DISCONTINUITY) != 0 || (newInit && initWritten != 0)) && segmentsWritten > 0;
    if (newInit) initWritten = version;
    if (segmentsWritten == 0) {
      firstCodecLength = <u32>info(INFO_CODEC_STRING_LENGTH);
      memory.copy(FIRST_CODEC, codecStringPointer(), firstCodecLength);
      firstHasAudio = (flags & SEGMENT_AUDIO) != 0;
      firstAudioObjectType = <u32>info(INFO_AUDIO_OBJECT_TYPE);
    }
    releaseSegment(<u32>id);
    segmentsWritten++;
    totalTicks += ticks;
    err = playlistAdd(SEGMENT_NAME, segmentNameLength, ticks, discontinuity, INIT_NAME, newInit ? initNameLength : 0);
    if (err != 0) {
      writeError = err;
      return false;
    }
  }
  return true;
}

// Block readers: read a file in blocks of RAW_CHUNK_BYTES into a buffer and hand them out in pieces. Their state
// lives in static memory (fd, buffer, filled, used as u32), so nothing is allocated.
const VIDEO_READER: usize = memory.data(16);
const AUDIO_READER: usize = memory.data(16);
let piece: usize = 0; // where the last piece handed out starts

function openReader(reader: usize, fd: u32, buffer: usize): void {
  store<u32>(reader, fd);
  store<u32>(reader, <u32>buffer, 4);
  store<u32>(reader, 0, 8);
  store<u32>(reader, 0, 12);
}

/** The next piece of at most `size` bytes (at `piece`): its length, 0 at the end, or -errno. */
function nextPiece(reader: usize, size: u32): i32 {
  let buffer = <usize>load<u32>(reader, 4);
  let filled = load<u32>(reader, 8);
  let used = load<u32>(reader, 12);
  if (used == filled) {
    let n = readFull(load<u32>(reader), buffer, RAW_CHUNK_BYTES);
    if (n <= 0) return n;
    filled = <u32>n;
    used = 0;
    store<u32>(reader, filled, 8);
  }
  let n = filled - used < size ? filled - used : size;
  piece = buffer + used;
  store<u32>(reader, used + n, 12);
  return <i32>n;
}

function rawStatus(word: u32): u32 {
  return load<u32>(rawStatusPointer() + (<usize>word << 2));
}

/** Why the audio input gave no frame, in src/raw-feed.ts noAudioMessage's words. */
function noAudio(): u32 {
  textTo(STDERR);
  text("ipc-hls: ");
  if (rawStatus(RS_AUDIO_UNSUPPORTED) == 0) {
    text("no ADTS AAC frame found in ");
    bytes(argPtr(ARG_AUDIO), <u32>argLen(ARG_AUDIO));
    text(": is it a raw AAC stream (ffmpeg -c:a aac -f adts)?\n");
  } else {
    text("audio input ");
    bytes(argPtr(ARG_AUDIO), <u32>argLen(ARG_AUDIO));
    text(" is ");
    let objectType = rawStatus(RS_REFUSED_OBJECT_TYPE);
    text(objectType == 1 ? "AAC Main" : objectType == 2 ? "AAC-LC" : objectType == 3 ? "AAC SSR" : "AAC LTP");
    text(", ");
    decimal(<u64>rawStatus(RS_REFUSED_SAMPLE_RATE));
    text(" Hz, ");
    let channels = rawStatus(RS_REFUSED_CHANNELS);
    if (channels == 1) text("mono");
    else if (channels == 2) text("stereo");
    else {
      decimal(<u64>(channels == 7 ? 8 : channels));
      text(" channels");
    }
    text(": only AAC-LC, 8 to 48 kHz, mono or stereo is supported\n");
  }
  textEnd();
  return EXIT_ERROR;
}

/**
 * Feeds the core as `ipc-hls mux` does (src/raw-feed.ts feedRawStreams, src/mux-files.ts): video in chunks,
 * audio whenever the core says it is due (rawAudioDue), finished segments written
 * out after each video chunk. Returns 0, or an exit code after printing why.
 */
function feed(videoFd: u32, audioFd: i32): u32 {
  let videoFinished = false;
  let audioFinished = audioFd < 0;
  // Inputs are read in blocks of RAW_CHUNK_BYTES (one host call each) and fed in the same 4096/2048-byte pieces
  // as the Node CLI, so the output is the same byte for byte.
  openReader(VIDEO_READER, videoFd, rawChunkPtr());
  openReader(AUDIO_READER, <u32>audioFd, rawAudioChunkPtr());
  for (;;) {
    if (!audioFinished && (videoFinished || rawAudioDue() != 0)) {
      let n = nextPiece(AUDIO_READER, RAW_AUDIO_PIECE_BYTES);
      if (n < 0) return failArg(EXIT_ERROR, "cannot read audio input", ARG_AUDIO, -n);
      if (n > 0) {
        rawAudioPushFrom(piece, <u32>n);
        continue;
      }
      audioFinished = true;
      rawAudioEnd();
      // As src/raw-feed.ts: an audio input with no usable frame is all read before the first video, and refused.
      if (rawStatus(RS_AUDIO_FRAMES) == 0) return noAudio();
      continue;
    }
    if (videoFinished) break;
    let n = nextPiece(VIDEO_READER, RAW_VIDEO_PIECE_BYTES);
    if (n < 0) return failArg(EXIT_ERROR, "cannot read input", ARG_INPUT, -n);
    if (n > 0) rawVideoPushFrom(piece, <u32>n);
    else {
      rawVideoEnd();
      videoFinished = true;
    }
    let unsupported = rawStatus(RS_UNSUPPORTED_VIDEO);
    if (unsupported != 0) return unsupportedVideo(unsupported);
    if (rawStatus(RS_NEEDS_RATE) != 0) return fail(EXIT_USAGE, FPS_REQUIRED);
    if (!drain()) return 0;
  }
  flush();
  drain();
  return 0;
}

// ---- The command ----

function run(): u32 {
  if (!parseArguments(__heap_base, HEAP_RESERVE)) return fail(EXIT_USAGE, argError, argErrorPtr, argErrorLen);
  if (helpWanted) {
    textTo(STDOUT);
    text(HELP);
    textEnd();
    return 0;
  }
  let rateGiven = given(ARG_FPS);
  if (rateGiven && !parseFrameRate(argPtr(ARG_FPS), argLen(ARG_FPS))) return badFrameRate();
  if (!given(ARG_OUT) || argLen(ARG_OUT) == 0) return fail(EXIT_USAGE, "--out <dir> is required");
  let segmentSeconds: f64 = 2;
  if (given(ARG_SEGMENT_DURATION)) {
    segmentSeconds = parseSeconds(argPtr(ARG_SEGMENT_DURATION), argLen(ARG_SEGMENT_DURATION));
    if (!(segmentSeconds >= 0.1 && segmentSeconds <= 60)) {
      return failArg(EXIT_USAGE, "bad --segment-duration (give seconds between 0.1 and 60):", ARG_SEGMENT_DURATION);
    }
  }
  let bufferBytes = DEFAULT_BUFFER_BYTES;
  if (given(ARG_BUFFER_SIZE)) {
    let value = parseWhole(argPtr(ARG_BUFFER_SIZE), argLen(ARG_BUFFER_SIZE));
    if (!(value >= 65536 && value <= <f64>DEFAULT_BUFFER_BYTES)) {
      return failArg(EXIT_USAGE, "bad --buffer-size (give bytes from 65536 to 8388608; this build's memory is fixed):", ARG_BUFFER_SIZE);
    }
    bufferBytes = <u32>value;
  }
  let kind = containerArgument();
  if (kind < 0) return failArg(EXIT_USAGE, "--container must be ts or fmp4, got", ARG_CONTAINER);

  // The arguments sit at the start of the reserve; the preopened directories' names go after them.
  let reserveEnd = __heap_base + HEAP_RESERVE;
  if (!findPreopens(argumentsEnd, <u32>(reserveEnd - argumentsEnd))) return fail(EXIT_ERROR, "the preopened directories' names are too long");

  if (!resolve(argPtr(ARG_OUT), <u32>argLen(ARG_OUT))) {
    return failArg(EXIT_USAGE, "--out is not in a preopened directory (wasmtime run --dir <dir> …):", ARG_OUT);
  }
  let outFd = resolvedDir;
  let ownOutFd = false;
  if (!(resolvedLength == 1 && load<u8>(resolvedPath) == 46)) {
    let fd = openDirectory(resolvedDir, resolvedPath, resolvedLength);
    if (fd < 0) return failArg(EXIT_ERROR, "cannot open --out", ARG_OUT, -fd);
    outFd = <u32>fd;
    ownOutFd = true;
  }

  let videoFd = openInput(ARG_INPUT);
  if (videoFd < 0) return inputError(ARG_INPUT, videoFd);
  let audioFd: i32 = -1;
  if (given(ARG_AUDIO)) {
    audioFd = openInput(ARG_AUDIO);
    if (audioFd < 0) return inputError(ARG_AUDIO, audioFd);
  }

  // The same parameters as MuxerCore.create() for `ipc-hls mux`: drop-new, frames up to 1/8 of the ring (and
  // no setAudioExpected: audio starts at stream time 0, before the first picture, so the PMT lists it anyway).
  let maxFrame = min(max(bufferBytes / 8, 64 * 1024), 1024 * 1024);
  setContainer(<u32>kind);
  let status = init(bufferBytes, maxFrame, <u32>Math.round(segmentSeconds * 1000), POLICY_DROP_NEW, HEAP_RESERVE);
  if (status != INIT_OK) return fail(EXIT_ERROR, "the core could not lay out its memory (this build's memory is too small)");
  rawInit(rateGiven ? fpsNum : 0, rateGiven ? fpsDen : 0, 0);

  outDir = outFd;
  let err = playlistStart(outFd);
  if (err != 0) return failArg(EXIT_ERROR, "cannot write in --out", ARG_OUT, err);
  let code = feed(<u32>videoFd, audioFd);
  if (videoFd != <i32>STDIN) close(<u32>videoFd);
  if (audioFd > <i32>STDIN) close(<u32>audioFd);
  if (code == 0 && writeError != 0) code = failArg(EXIT_ERROR, "cannot write a segment in --out", ARG_OUT, writeError);
  if (code != 0) {
    playlistAbandon();
    return code;
  }
  err = playlistFinish();
  if (ownOutFd) close(outFd);
  if (err != 0) return failArg(EXIT_ERROR, "cannot write index.m3u8 in --out", ARG_OUT, err);
  if (segmentsWritten == 0) return noSegment();
  summary();
  return 0;
}

/** A video stream the core refused by codec, in the words of src/raw-feed.ts unsupportedVideoMessage. */
function unsupportedVideo(reason: u32): u32 {
  textTo(STDERR);
  text("ipc-hls: ");
  text(reason == <u32>DROP_CODEC_H266 ? "H.266/VVC" : "MJPEG (Motion JPEG)");
  text(" is not supported: ipc-hls takes H.264 or H.265 (HEVC) Annex B video; set the camera's stream to one of those\n");
  textEnd();
  return EXIT_ERROR;
}

function badFrameRate(): u32 {
  return failArg(EXIT_USAGE, "bad --fps (give a rate between 0.1 and 1000 like 25 or 29.97, or a fraction like 30000/1001):", ARG_FPS);
}

/** Why nothing came out, in `ipc-hls mux`'s words. */
function noSegment(): u32 {
  let videoIn = stat(STATS_VIDEO_FRAMES_IN);
  textTo(STDERR);
  if (videoIn == 0) {
    text("ipc-hls: no H.264 access unit found in ");
    bytes(argPtr(ARG_INPUT), <u32>argLen(ARG_INPUT));
    text(": is it a raw Annex B stream (ffmpeg -f h264)?\n");
  } else {
    text("ipc-hls: no segment: none of the ");
    decimal(videoIn);
    text(" access units could start one (no SPS/PPS and IDR found");
    text(")\n");
  }
  textEnd();
  return EXIT_ERROR;
}

/** The one-line summary `ipc-hls mux` prints, and its warning about dropped frames. */
function summary(): void {
  let videoIn = stat(STATS_VIDEO_FRAMES_IN);
  let audioIn = stat(STATS_AUDIO_FRAMES_IN);
  let videoDropped = stat(STATS_VIDEO_FRAMES_DROPPED);
  let audioDropped = stat(STATS_AUDIO_FRAMES_DROPPED);
  textTo(STDOUT);
  decimal(<u64>segmentsWritten);
  text(" segments, ");
  fixed(<u64>((totalTicks + 45) / 90), 3); // milliseconds, rounded half up (as src/cli/mux.ts)
  text(" s, ");
  decimal(videoIn - videoDropped);
  text(" video frames");
  if (audioIn > 0) {
    text(", ");
    decimal(audioIn - audioDropped);
    text(" audio frames");
  }
  text(", codecs ");
  if (segmentsWritten == 0) text("none");
  else {
    bytes(FIRST_CODEC, firstCodecLength);
    if (firstHasAudio) {
      text(",mp4a.40.");
      decimal(<u64>firstAudioObjectType);
    }
  }
  text(" → ");
  bytes(argPtr(ARG_OUT), <u32>argLen(ARG_OUT));
  text("/index.m3u8\n");
  textEnd();
  textTo(STDERR);
  timingWarnings();
  if (videoDropped > 0 || audioDropped > 0) {
    text("warning: dropped ");
    decimal(videoDropped);
    text(" video and ");
    decimal(audioDropped);
    text(" audio frames\n");
  }
  textEnd();
}

// ---- Timings that disagree by more than 2 %, in src/raw-feed.ts timingWarnings' words ----

function rateText(num: u32, den: u32): void {
  decimal(<u64>num);
  if (den != 1) {
    text("/");
    decimal(<u64>den);
  }
}

function secondsText(ticks: f64): void {
  fixed(<u64>Math.floor((ticks + 450) / 900), 2);
}

function timingWarnings(): void {
  let num = <f64>rawStatus(RS_RATE_NUM);
  let den = <f64>rawStatus(RS_RATE_DEN);
  let streamNum = <f64>rawStatus(RS_STREAM_NUM);
  let streamDen = <f64>rawStatus(RS_STREAM_DEN);
  if (given(ARG_FPS) && num > 0 && streamNum > 0 && Math.abs(num * streamDen - streamNum * den) * <f64>RAW_TIMING_MISMATCH > streamNum * den) {
    text("warning: --fps ");
    rateText(<u32>num, <u32>den);
    text(" disagrees with the stream's own frame rate ");
    rateText(<u32>streamNum, <u32>streamDen);
    text(" (its SPS): timed at --fps\n");
  }
  let video = rawVideoTime();
  let audio = rawAudioTime();
  if (rawStatus(RS_AUDIO_FRAMES) > 0 && video > 0 && Math.abs(audio - video) * <f64>RAW_TIMING_MISMATCH > video) {
    text("warning: the audio lasts ");
    secondsText(audio);
    text(" s and the video ");
    secondsText(video);
    text(" s, more than 2 % apart: is the frame rate right?\n");
  }
}
