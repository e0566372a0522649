// Wrappers around Debian's ffmpeg/ffprobe, the independent judges of what the muxer writes, and temp-dir helpers.
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const MAX_BUFFER = 256 * 1024 * 1024;

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const fixturePath = (relative: string) => join(repoRoot, "fixtures", relative);

/** A fresh temporary directory; call the returned cleanup when done (tests do it in afterAll). */
export function tempDir(prefix = "ipc-hls-test-"): { path: string; cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/**
 * Decodes a file completely and returns what ffmpeg printed at level "error" with -xerror (stop at the first
 * error). An empty string means ffmpeg found nothing wrong.
 */
export async function decodeErrors(file: string): Promise<string> {
  try {
    const { stderr } = await run("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-xerror", "-i", file, "-f", "null", "-"], {
      maxBuffer: MAX_BUFFER,
    });
    return stderr.trim();
  } catch (err) {
    const e = err as { stderr?: string; code?: number };
    return (e.stderr?.trim() || "") + ` (ffmpeg exit code ${e.code})`;
  }
}

/**
 * decodeErrors of an fMP4 fragment cut after its first picture on purpose (init segment + an I-frame byte range):
 * its moof still lists the samples past the cut, and the demuxer says "partial file" when it reaches the first of
 * each track. That notice is the only complaint allowed; ffmpeg must still exit 0 under -xerror.
 */
export async function decodeErrorsOfCutFragment(file: string): Promise<string> {
  return (await decodeErrors(file))
    .split("\n")
    .filter((line) => !/^\[mov,mp4[^\]]*\] stream \d+, offset 0x[0-9a-f]+: partial file$/.test(line))
    .join("\n");
}

export interface ProbedPacket {
  /** Timestamps in seconds (ffprobe's pts_time/dts_time), undefined when ffprobe says N/A. */
  pts?: number;
  dts?: number;
  /** Raw timestamps in the stream's time base. */
  ptsTicks?: number;
  dtsTicks?: number;
  duration?: number;
  size: number;
  keyframe: boolean;
}

export interface ProbedStream {
  index: number;
  codecType: "video" | "audio" | string;
  codecName: string;
  profile?: string;
  level?: number;
  width?: number;
  height?: number;
  sampleRate?: number;
  channels?: number;
  timeBase: string;
  startTime?: number;
  duration?: number;
  /** With count: packets read and frames decoded. */
  packets?: number;
  frames?: number;
}

interface FfprobeJson {
  streams?: Record<string, unknown>[];
  packets?: Record<string, unknown>[];
  frames?: Record<string, unknown>[];
}

async function ffprobe(args: string[]): Promise<FfprobeJson> {
  const { stdout } = await run("ffprobe", ["-v", "error", "-print_format", "json", ...args], { maxBuffer: MAX_BUFFER });
  return JSON.parse(stdout) as FfprobeJson;
}

const num = (x: unknown): number | undefined => (x === undefined || x === "N/A" ? undefined : Number(x));

/** Streams of a file with their codec parameters; with count=true also the packets read and frames decoded. */
export async function probeStreams(file: string, count = false): Promise<ProbedStream[]> {
  const json = await ffprobe([...(count ? ["-count_frames", "-count_packets"] : []), "-show_streams", file]);
  return (json.streams ?? []).map((s) => ({
    index: Number(s.index),
    codecType: String(s.codec_type),
    codecName: String(s.codec_name),
    profile: s.profile as string | undefined,
    level: num(s.level),
    width: num(s.width),
    height: num(s.height),
    sampleRate: num(s.sample_rate),
    channels: num(s.channels),
    timeBase: String(s.time_base),
    startTime: num(s.start_time),
    duration: num(s.duration),
    packets: num(s.nb_read_packets),
    frames: num(s.nb_read_frames),
  }));
}

/** The packets of one stream ("v:0", "a:0") in file order (decode order), with PTS/DTS. */
export async function probePackets(file: string, stream: string): Promise<ProbedPacket[]> {
  const json = await ffprobe(["-select_streams", stream, "-show_entries", "packet=pts,dts,pts_time,dts_time,duration,size,flags", file]);
  return (json.packets ?? []).map((p) => ({
    pts: num(p.pts_time),
    dts: num(p.dts_time),
    ptsTicks: num(p.pts),
    dtsTicks: num(p.dts),
    duration: num(p.duration),
    size: Number(p.size),
    keyframe: String(p.flags ?? "").startsWith("K"),
  }));
}

/** Packets and decoded-frame counts of one stream: the frame-count view of probeStreams for a single stream. */
export async function probeFrames(file: string, stream: string): Promise<{ packets: ProbedPacket[]; stream: ProbedStream }> {
  const [packets, streams] = await Promise.all([probePackets(file, stream), probeStreams(file, true)]);
  const kind = stream.startsWith("a") ? "audio" : "video";
  const n = Number(stream.split(":")[1] ?? 0);
  const s = streams.filter((x) => x.codecType === kind)[n];
  if (!s) throw new Error(`${file}: no ${stream} stream`);
  return { packets, stream: s };
}

export interface DecodedFrame {
  /** Presentation time in seconds as the decoder reports it (best_effort_timestamp_time). */
  time?: number;
  pictType?: string;
  /** Decode-order number of the picture (ffmpeg counts coded pictures from 0 in each input; H.264 only: 0 for HEVC). */
  codedPictureNumber?: number;
  /** Byte position of the picture's packet in the file (its decode order in a raw stream, for any codec). */
  pos?: number;
}

/** Decoded video frames in output (presentation) order. */
export async function decodedVideoFrames(file: string): Promise<DecodedFrame[]> {
  const json = await ffprobe(["-select_streams", "v:0", "-show_entries", "frame=best_effort_timestamp_time,pict_type,coded_picture_number,pkt_pos", file]);
  return (json.frames ?? []).map((f) => ({
    time: num(f.best_effort_timestamp_time),
    pictType: f.pict_type as string | undefined,
    codedPictureNumber: num(f.coded_picture_number),
    pos: num(f.pkt_pos),
  }));
}

/** Per-frame MD5 of the decoded pictures (or audio frames), in output order: a content fingerprint. */
export async function frameHashes(file: string, stream: "v:0" | "a:0" = "v:0", inputArgs: string[] = []): Promise<string[]> {
  const { stdout } = await run(
    "ffmpeg",
    ["-nostdin", "-hide_banner", "-v", "error", ...inputArgs, "-i", file, "-map", `0:${stream}`, "-fps_mode", "passthrough", "-f", "framemd5", "-"],
    { maxBuffer: MAX_BUFFER },
  );
  return stdout
    .split("\n")
    .filter((line) => line && !line.startsWith("#"))
    .map((line) => line.split(",").pop()!.trim());
}

/** Total decoded audio duration in seconds (sum of the decoded frames' durations, i.e. samples / rate). */
export async function decodedAudioSeconds(file: string): Promise<number> {
  const json = await ffprobe(["-select_streams", "a:0", "-show_entries", "frame=nb_samples:stream=sample_rate", file]);
  const rate = Number(json.streams?.[0]?.sample_rate);
  const samples = (json.frames ?? []).reduce((sum, f) => sum + Number(f.nb_samples), 0);
  if (!(rate > 0)) throw new Error(`${file}: ffprobe reports no audio sample rate`);
  return samples / rate;
}

/**
 * ffmpeg's own RTSP client records `seconds` of a stream over TCP into `file` (MPEG-TS, nothing re-encoded): what a
 * recording of ours is compared with. A session of its own: run it before ours, not beside it (on a busy machine
 * the live test source may drop different frames in two sessions at once).
 */
export async function ffmpegRtspRecording(url: string, seconds: number, file: string): Promise<string> {
  await run("ffmpeg", ["-nostdin", "-v", "error", "-rtsp_transport", "tcp", "-i", url, "-t", String(seconds), "-c", "copy", "-f", "mpegts", file]);
  return file;
}

/** Runs ffmpeg synchronously (fixture preparation in tests); throws with ffmpeg's stderr on failure. */
export function ffmpegSync(args: string[]): void {
  execFileSync("ffmpeg", ["-nostdin", "-hide_banner", "-v", "error", "-y", ...args], { stdio: ["ignore", "ignore", "pipe"] });
}

/** ffprobe's frame counts and codec facts for each fixture, written by scripts/make-fixtures.sh. */
export interface FixtureFacts {
  codec: string;
  profile: string;
  level?: number;
  width?: number;
  height?: number;
  sample_rate?: number;
  channels?: number;
  packets: number;
  frames: number;
  has_b_frames?: number;
}

export function fixtureFacts(): Record<string, FixtureFacts> {
  return JSON.parse(readFileSync(fixturePath("frame-counts.json"), "utf8")) as Record<string, FixtureFacts>;
}

/**
 * Timestamps for feeding a raw H.264 or H.265 file's access units (in file = decode order) to the core directly, derived
 * from ffmpeg's decode of that file: the n-th picture ffmpeg outputs is presentation slot n. DTS are one frame
 * apart; PTS are shifted by the reorder delay so that PTS ≥ DTS.
 */
export async function rawTimestampsUs(file: string, fps: number): Promise<{ ptsUs: number[]; dtsUs: number[] }> {
  const frames = await decodedVideoFrames(file);
  // Decode order: ffmpeg's coded picture number (H.264; its HEVC decoder says 0 for every picture), else the
  // packets' order in the raw file.
  const numbered = new Set(frames.map((f) => f.codedPictureNumber)).size === frames.length;
  const byPosition = [...frames].sort((a, b) => a.pos! - b.pos!);
  const decodeIndex = (f: DecodedFrame) => (numbered ? f.codedPictureNumber! : byPosition.indexOf(f));
  const slot = new Map<number, number>();
  frames.forEach((f, outputIndex) => slot.set(decodeIndex(f), outputIndex));
  const n = frames.length;
  let delay = 0;
  for (let i = 0; i < n; i++) delay = Math.max(delay, i - slot.get(i)!);
  const frameUs = 1e6 / fps;
  return {
    dtsUs: Array.from({ length: n }, (_, i) => Math.round(i * frameUs)),
    ptsUs: Array.from({ length: n }, (_, i) => Math.round((slot.get(i)! + delay) * frameUs)),
  };
}
