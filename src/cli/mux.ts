// `ipc-hls mux`: raw H.264 or H.265 (and AAC) files → HLS segments and a VOD playlist in a directory.
import { muxFiles } from "../mux-files.js";
import { FPS_REQUIRED, parseBytes, parseCommandArgs, parseFrameRate, parseSeconds, requireInputFile, UsageError, type Command } from "./command.js";
import { checkCoreOptions } from "../core.js";
import { RawInputError } from "../raw-feed.js";
import { catchInterrupts } from "./interrupt.js";

const help = `Usage: ipc-hls mux <input.h264|input.hevc|-> --out <dir> [--fps <rate>] [options]

Packages a raw Annex B H.264 or H.265 stream (a file, or - for standard input; the codec is seen in the stream)
into HLS segments cut at IDR (H.265: IRAP) frames, and writes them plus <dir>/index.m3u8 (a VOD playlist):
MPEG-TS <dir>/segment-NNNNNN.ts for H.264, fMP4 <dir>/init.mp4 and segment-NNNNNN.m4s for H.265 (as Apple's HLS rules ask).

Options:
  --fps <rate>               frame rate of the raw stream: 25, 29.97 or 30000/1001 (default: the one its SPS
                             carries, as x264 and most cameras write it; required for a stream without one)
  --out <dir>                output directory, created if missing (required)
  --audio <file.aac>         an ADTS AAC stream (AAC-LC, 8-48 kHz, mono or stereo) to mux beside the video,
                             timed by its sample count
  --segment-duration <s>     target segment duration in seconds (default 2); cuts happen at the next IDR
  --buffer-size <bytes>      ring buffer size (default 8388608)
  --container ts|fmp4        segment format (default: ts for H.264, fmp4 for H.265)
  -h, --help                 this help

Examples:
  ipc-hls mux camera.h264 --out out/
  ipc-hls mux camera.h264 --audio mic.aac --fps 30000/1001 --out out/ --segment-duration 4
  ffmpeg -i in.mp4 -c:v copy -bsf:v h264_mp4toannexb -f h264 - | ipc-hls mux - --fps 25 --out out/`;

export const command: Command = {
  name: "mux",
  summary: "package raw H.264 (+ AAC) files into HLS segments and a playlist",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      fps: { type: "string" },
      out: { type: "string" },
      audio: { type: "string" },
      "segment-duration": { type: "string" },
      "buffer-size": { type: "string" },
      container: { type: "string" },
    });
    const container = values.container;
    if (container !== undefined && container !== "ts" && container !== "fmp4") throw new UsageError(`--container must be ts or fmp4, got ${JSON.stringify(container)}`);
    if (positionals.length !== 1) throw new UsageError("give exactly one input: a .h264 file or - for standard input");
    const [fpsNum, fpsDen] = parseFrameRate(values.fps) ?? [];
    const outDir = values.out;
    if (!outDir) throw new UsageError("--out <dir> is required");
    const segmentDuration = parseSeconds("--segment-duration", values["segment-duration"], 2);
    const bufferSize = parseBytes("--buffer-size", values["buffer-size"]);
    checkCoreOptions({ bufferSize: bufferSize ?? 8 * 1024 * 1024, segmentDuration }, { bufferSize: "--buffer-size", segmentDuration: "--segment-duration" });
    await requireInputFile(positionals[0], "input");
    const audio = values.audio;
    if (audio) await requireInputFile(audio, "audio input");

    // Reading a pipe may go on for long: Ctrl-C ends the input there, and what came so far is written out.
    const interrupt = catchInterrupts("mux", "finishing the open segment and writing the playlist");
    let result;
    try {
      result = await muxFiles({ video: positionals[0], audio, fpsNum, fpsDen, outDir, segmentDuration, bufferSize, container, signal: interrupt.signal });
    } catch (err) {
      if (err instanceof RawInputError && err.reason === "needs-rate") throw new UsageError(FPS_REQUIRED);
      throw err;
    } finally {
      interrupt.dispose();
    }
    const s = result.stats;
    if (result.segments.length === 0 && interrupt.exitCode === undefined) {
      throw new Error(
        s.videoFramesIn === 0
          ? `no H.264 access unit found in ${positionals[0]}: is it a raw Annex B stream (ffmpeg -f h264)?`
          : `no segment: none of the ${s.videoFramesIn} access units could start one (no SPS/PPS and IDR found)`,
      );
    }
    // Milliseconds rounded half up, as the WASI command writes them (assembly/wasi.ts summary).
    const ms = Math.round(result.segments.reduce((sum, x) => sum + x.durationTicks, 0) / 90);
    const seconds = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}`;
    const codecs = result.segments[0]?.codecs ?? "none";
    process.stdout.write(
      `${result.segments.length} segments, ${seconds} s, ${s.videoFramesIn - s.videoFramesDropped} video frames` +
        (s.audioFramesIn ? `, ${s.audioFramesIn - s.audioFramesDropped} audio frames` : "") +
        `, codecs ${codecs} → ${outDir}/index.m3u8\n`,
    );
    for (const line of result.warnings) process.stderr.write(`${line}\n`);
    if (s.videoFramesDropped > 0 || s.audioFramesDropped > 0) {
      process.stderr.write(`warning: dropped ${s.videoFramesDropped} video and ${s.audioFramesDropped} audio frames\n`);
    }
    return interrupt.exitCode ?? 0;
  },
};
