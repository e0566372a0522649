// `ipc-hls push`: records a raw H.264 file (and optionally ADTS AAC) into S3 through the SDK, as a camera would,
// optionally at the camera's pace (--realtime). A file is fed no faster than the uploads free ring space, so
// nothing is lost to the overflow policy. Exits non-zero if any segment was lost or still waits in the spill
// directory; 130/143 after Ctrl-C/SIGTERM (what was finished is uploaded first).
import { FPS_REQUIRED, UsageError, parseBytes, parseCommandArgs, parseFrameRate, parseSeconds, requireInputFile, type Command } from "./command.js";
import { feedRawStreams, RawInputError, timingWarnings, VIDEO_CHUNK, AUDIO_CHUNK } from "../raw-feed.js";
import { fileChunks } from "../mux-files.js";
import { checkBucket, environmentCredentials, parseContainer, parseTags, s3Location, RECORDER_FLAGS } from "./s3-flags.js";
import { HlsRecorder, type RecorderStats } from "../sdk.js";
import { checkCoreOptions } from "../core.js";
import { normalizePrefix } from "../keys.js";
import { catchInterrupts } from "./interrupt.js";
import type { ChecksumMode } from "../s3/checksum.js";
import { replayLines, trackRecordedRange } from "./replay-command.js";
import { feedPace } from "../feed-pace.js";

const help = `Usage: ipc-hls push <video.h264> --bucket <bucket> [--fps <rate>] [options]

Muxes a raw H.264 (Annex B) file into HLS segments and uploads each one to S3 as it is finished, with retries,
exactly as the SDK does on a camera. Credentials come from the environment: AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and, for temporary credentials, AWS_SESSION_TOKEN.

Options:
  --fps <rate>              frame rate of the raw video: 25, 29.97 or 30000/1001 (default: the one its SPS
                            carries, as x264 and most cameras write it; required for a stream without one)
  --bucket <name>           S3 bucket (required)
  --audio <file.aac>        ADTS AAC audio (AAC-LC, 8-48 kHz, mono or stereo) to mux alongside
  --prefix <prefix>         key prefix, e.g. the camera name (default: none)
  --region <region>         AWS region (default: $AWS_REGION, else us-east-1)
  --endpoint <url>          S3-compatible endpoint, e.g. http://127.0.0.1:9000
  --path-style              put the bucket in the path (MinIO and most S3-compatible stores)
  --realtime                feed frames at the camera's pace, as a live camera (which cannot wait: when uploads
                            fall behind, the overflow policy drops the oldest segments); by default the file
                            is fed as fast as the uploads take it
  --segment-duration <s>    target segment duration in seconds (default 2)
  --container <ts|fmp4>     segment format (default ts): fmp4 stores .m4s segments and an init segment per
                            session (<prefix>/init/)
  --buffer-size <bytes>     ring buffer size (default 4194304)
  --checksum <crc32|sha256> how S3 verifies each upload (default crc32)
  --tag <key=value>         object tag, repeatable (at most 10)
  --deadline <s>            at the end, wait at most this long for uploads (default 60); while feeding, stop
                            waiting for the uploads once a segment has waited this long (the store is down)
  --spill <dir>             store and forward: segments the uploads cannot keep up with wait in this directory
                            (e.g. on an SD card) and are uploaded from there; a later push with the same
                            directory uploads what this one left
  --spill-max <bytes>       most bytes kept in the spill directory (default 268435456)

Examples:
  AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... ipc-hls push cam.h264 --bucket my-recordings --prefix cam-1 --region eu-west-1
  ipc-hls push clip.h264 --audio clip.aac --fps 25 --bucket test --endpoint http://127.0.0.1:9000 --path-style --realtime`;

export const command: Command = {
  name: "push",
  summary: "mux a raw H.264 (+AAC) file and upload the segments to S3, as a camera would",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      fps: { type: "string" },
      audio: { type: "string" },
      realtime: { type: "boolean" },
      ...RECORDER_FLAGS,
    });
    if (positionals.length !== 1) throw new UsageError("give exactly one input file: ipc-hls push <video.h264> --bucket <bucket>");
    await requireInputFile(positionals[0]!, "input");
    if (values.audio) await requireInputFile(values.audio, "audio input");
    const [fpsNum, fpsDen] = parseFrameRate(values.fps) ?? [];
    const bucket = values.bucket;
    if (!bucket) throw new UsageError("--bucket is required");
    const checksum = (values.checksum) ?? "crc32";
    if (checksum !== "crc32" && checksum !== "sha256") throw new UsageError(`bad --checksum ${JSON.stringify(checksum)}: crc32 or sha256`);
    const bufferSize = parseBytes("--buffer-size", values["buffer-size"]) ?? 4 * 1024 * 1024;
    const segmentDuration = parseSeconds("--segment-duration", values["segment-duration"], 2);
    checkCoreOptions({ bufferSize, segmentDuration }, { bufferSize: "--buffer-size", segmentDuration: "--segment-duration" });
    const tags = parseTags(values.tag ?? []);
    const container = parseContainer(values.container);
    const deadlineMs = Math.round(parseSeconds("--deadline", values.deadline, 60) * 1000);
    const spillMax = parseBytes("--spill-max", values["spill-max"]);
    if (spillMax !== undefined && !values.spill) throw new UsageError("--spill-max needs --spill <dir>");
    const prefix = normalizePrefix(values.prefix ?? "", "--prefix");

    const credentials = environmentCredentials();
    const location = s3Location(bucket, values);
    // (Made first: every option is checked before the first request.)
    const recorder = new HlsRecorder({
      bufferSize,
      ...location,
      prefix,
      credentials,
      segmentDuration,
      container,
      checksum: checksum as ChecksumMode,
      audio: values.audio !== undefined,
      tags,
      spill: values.spill ? { dir: values.spill, maxBytes: spillMax } : undefined,
    });
    await checkBucket(location, credentials, prefix);

    const recorded = trackRecordedRange(recorder);
    const progress = new Progress(recorder, process.stderr.isTTY === true);
    await recorder.start();
    const interrupt = catchInterrupts("push", "finishing the open segment and uploading what is finished");
    const started = performance.now();
    recorder.startRawStreams(fpsNum, fpsDen);
    const signal = interrupt.signal;
    // The file waits for the uploads, unless they stalled (the store down) for the deadline: then it goes on as a
    // camera would, under the overflow policy, and the losses are reported. (With --spill the ring drains to disk.)
    const roomWait = new AbortController();
    signal.addEventListener("abort", () => roomWait.abort());
    const stallWatch = setInterval(() => {
      if (values.spill || roomWait.signal.aborted || recorder.uploadLagMs <= deadlineMs) return;
      roomWait.abort();
      progress.note(`uploads stalled for ${deadlineMs / 1000} s: no longer waiting for them`);
    }, 1000).unref();
    // The same feeder as `ipc-hls mux`, so both make the same bytes.
    const feeding = feedRawStreams(recorder, fileChunks(positionals[0]!, VIDEO_CHUNK, signal), values.audio ? fileChunks(values.audio, AUDIO_CHUNK, signal) : undefined, {
      signal,
      roomWaitSignal: roomWait.signal,
      live: values.realtime,
      audioName: values.audio,
      pace: feedPace(values.realtime === true, signal),
    });
    try {
      await feeding;
    } catch (err) {
      // Nothing was muxed (see RawInputError): give the spill directory and the connections back, then say why.
      progress.stop();
      interrupt.dispose();
      await recorder.close({ deadlineMs: 0 });
      if (err instanceof RawInputError && err.reason === "needs-rate") throw new UsageError(FPS_REQUIRED);
      throw err;
    } finally {
      clearInterval(stallWatch);
    }
    for (const line of timingWarnings(recorder, fpsNum !== undefined)) process.stderr.write(`${line}\n`);

    progress.closing();
    const stats = await recorder.close({ deadlineMs });
    progress.stop();
    const replay = replayLines({ bucket, prefix, endpoint: values.endpoint, region: values.region, "path-style": values["path-style"] }, recorded());
    process.stdout.write(summary(stats, recorder.destination, performance.now() - started, values.spill, replay) + "\n");
    interrupt.dispose();
    return interrupt.exitCode ?? (stats.segmentsDropped > 0 || stats.segmentsUncertain > 0 || stats.spillBacklog > 0 || stats.segmentsMade === 0 ? 1 : 0);
  },
};

const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

function summary(s: RecorderStats, destination: string, elapsedMs: number, spillDir: string | undefined, replay: string[]): string {
  return [
    `pushed to ${destination} in ${(elapsedMs / 1000).toFixed(1)} s`,
    `  frames in:  ${s.videoFramesIn} video, ${s.audioFramesIn} audio (${s.videoFramesDropped + s.audioFramesDropped} dropped)`,
    `  segments:   ${s.segmentsMade} made, ${s.segmentsUploaded} uploaded, ${s.segmentsDropped} lost` +
      (s.segmentsDropped ? ` (${s.segmentsDroppedOverflow} buffer overflow, ${s.segmentsFailed} upload failures or spill-full)` : "") +
      (s.segmentsUncertain ? `, ${s.segmentsUncertain} uncertain (cut off after sending; the store could not say)` : ""),
    ...(spillDir !== undefined
      ? [`  spill:      ${s.segmentsSpilled} spilled, ${s.segmentsUploadedFromSpill} uploaded from ${spillDir}, ${s.spillBacklog} waiting there (${mb(s.spillBytes)} MB)`]
      : []),
    `  bytes:      ${mb(s.bytesUploaded)} MB uploaded, ${s.retries} retries`,
    `  latency:    p50 ${s.uploadLatencyMs.p50.toFixed(0)} ms, max ${s.uploadLatencyMs.max.toFixed(0)} ms`,
    `  buffer:     high-water ${mb(s.bufferHighWater)} of ${mb(s.bufferCapacity)} MB`,
    ...replay,
  ].join("\n");
}

/** A status line redrawn on a terminal; one line per event otherwise (logs, CI). Errors carry no secrets. */
class Progress {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly recorder: HlsRecorder,
    private readonly tty: boolean,
  ) {
    recorder.on("error", (err) => this.line(`error: ${err.message}`));
    recorder.on("segment-dropped", (d) => this.line(`segment ${d.seq} lost (${d.reason})${d.error ? `: ${d.error.message}` : ""}`));
    if (tty) {
      this.timer = setInterval(() => this.draw(), 250);
    } else {
      recorder.on("segment-uploaded", (u) => this.line(`uploaded ${u.key} (${u.bytes} B, ${u.latencyMs.toFixed(0)} ms, ${u.attempts} attempt${u.attempts > 1 ? "s" : ""})`));
      recorder.on("retry", (r) => this.line(`retry ${r.key} after attempt ${r.attempt}: ${r.error.message}`));
      recorder.on("segment-spilled", (x) => this.line(`spilled ${x.key} (${x.bytes} B) to the spill directory`));
    }
  }

  closing(): void {
    if (!this.tty) this.line("input done; waiting for uploads");
  }

  note(text: string): void {
    this.line(text);
  }

  stop(): void {
    clearInterval(this.timer);
    if (this.tty) {
      this.draw();
      process.stderr.write("\n");
    }
  }

  private draw(): void {
    const s = this.recorder.stats();
    process.stderr.write(
      `\r\x1b[K segments ${s.segmentsUploaded}/${s.segmentsMade} uploaded, ${s.segmentsPending} pending, ${s.segmentsDropped} lost | ` +
        `${mb(s.bytesUploaded)} MB | lag ${(this.recorder.uploadLagMs / 1000).toFixed(1)} s | retries ${s.retries}`,
    );
  }

  private line(text: string): void {
    process.stderr.write(this.tty ? `\r\x1b[K${text}\n` : `${text}\n`);
  }
}
