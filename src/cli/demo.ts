// `ipc-hls demo`: the whole product in one command, no cloud account needed. A bundled clip is recorded through
// the SDK (core, ring buffer, upload queue) into a local directory store, as a camera would, while the replay
// server serves it; with --bucket (and AWS credentials in the environment) it records to S3 or MinIO instead.
import { fileURLToPath } from "node:url";
import { HlsRecorder } from "../sdk.js";
import { LocalStore } from "../store/local-store.js";
import { feedRawStreams, VIDEO_CHUNK, AUDIO_CHUNK } from "../raw-feed.js";
import { fileChunks } from "../mux-files.js";
import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { checkBucket, environmentCredentials, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import { parsePort, startServe, type ServeOptions } from "./serve.js";
import { trackRecordedRange } from "./replay-command.js";
import { catchInterrupts } from "./interrupt.js";
import { feedPace } from "../feed-pace.js";

const SAMPLE_VIDEO = fileURLToPath(new URL("../../fixtures/sample/sample-640x360-25fps.h264", import.meta.url));
const SAMPLE_AUDIO = fileURLToPath(new URL("../../fixtures/sample/sample-48000-mono.aac", import.meta.url));

const help = `Usage: ipc-hls demo [options]

Records a bundled 10 s clip (640x360 H.264 + AAC, with a running clock) in a loop through the SDK into
./recordings, as a camera would, serves the replay page, and prints its address. Ctrl-C stops cleanly.

Options:
  --dir <dir>         where recordings go (default ./recordings)
  --camera <name>     the camera's name: the key prefix (default demo)
  --port <n>          replay server port (default 8080; 0 picks a free one)
  --fast              record as fast as possible instead of in real time
  --loops <n>         stop recording after n plays of the clip (default: until Ctrl-C; 3 with --fast)
  --bucket <name>     record to this S3 bucket instead of a directory (credentials from AWS_ACCESS_KEY_ID,
                      AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
${S3_FLAGS_HELP}

Examples:
  npx ipc-hls demo
  npx ipc-hls demo --fast --port 9000
  AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… npx ipc-hls demo --bucket rec --endpoint http://127.0.0.1:9000 --path-style`;

const FLAGS = {
  dir: { type: "string" },
  camera: { type: "string" },
  port: { type: "string" },
  fast: { type: "boolean" },
  loops: { type: "string" },
  bucket: { type: "string" },
  ...S3_FLAGS,
} as const;

export const command: Command = {
  name: "demo",
  summary: "record a bundled clip through the SDK and serve the replay page",
  help,
  async run(argv) {
    const { values } = parseCommandArgs(argv, FLAGS, false);
    const camera = values.camera ?? "demo";
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(camera)) throw new UsageError(`bad --camera ${JSON.stringify(camera)}: letters, digits, . _ -`);
    const loops = values.loops === undefined ? (values.fast ? 3 : Infinity) : Number(values.loops);
    if (!(loops === Infinity || (Number.isInteger(loops) && loops >= 1 && loops <= 1_000_000))) throw new UsageError(`bad --loops ${JSON.stringify(values.loops)}: a whole number from 1 to 1000000`);
    const dir = values.dir ?? "recordings";
    const bucket = values.bucket;
    if (bucket) await checkBucket(s3Location(bucket, values), environmentCredentials(), camera);

    const recorder = new HlsRecorder({
      bufferSize: 4 * 1024 * 1024,
      prefix: camera,
      audio: true,
      ...(bucket
        ? { ...s3Location(bucket, values), credentials: environmentCredentials() }
        : { store: new LocalStore(dir) }),
    });
    recorder.on("error", (err: Error) => process.stderr.write(`demo: ${err.message}\n`));
    recorder.on("segment-dropped", (d: { seq: number; reason: string }) => process.stderr.write(`demo: segment ${d.seq} lost (${d.reason})\n`));
    const serve: ServeOptions = {
      port: parsePort(values.port),
      host: "127.0.0.1",
      store: bucket ? { s3: s3Location(bucket, values), prefix: "" } : { directory: dir, mayFollow: true },
    };
    let server: Awaited<ReturnType<typeof startServe>>;
    try {
      server = await startServe(serve);
    } catch (err) {
      // The default port is taken: any free port will do (an explicit --port is not second-guessed).
      if ((err as NodeJS.ErrnoException).code !== "EADDRINUSE" || values.port !== undefined) throw err;
      server = await startServe({ ...serve, port: 0 });
    }

    const interrupt = catchInterrupts("demo", "closing the recording and the server");
    const signal = interrupt.signal;

    const started = Date.now();
    const playlistUrl = (startMs: number, endMs: number) =>
      `${server.url}cameras/${camera}/playlist.m3u8?start=${new Date(startMs).toISOString()}&end=${new Date(endMs).toISOString()}`;
    process.stdout.write(
      `Recording H.264 + AAC into ${recorder.destination}${values.fast ? " (fast)" : " in real time"}\n` +
        `Replay page:     ${server.url}?camera=${camera}\n` +
        `Playlist (live): ${playlistUrl(started - 60_000, started + 24 * 3600_000)}\n` +
        `  live: an EVENT playlist that grows while recording (players follow its end); after each 10 s pass of the\n` +
        `  clip, a VOD playlist (closed range, EXT-X-ENDLIST) of what is recorded so far is printed too.\n` +
        `Ctrl-C stops.\n`,
    );
    // A line of its own, also on a terminal where the segment counter is being redrawn.
    const say = (text: string) => process.stdout.write(`${process.stdout.isTTY ? "\r\x1b[K" : ""}${text}\n`);
    const recorded = trackRecordedRange(recorder);
    const sayRecordedSoFar = () => {
      const range = recorded();
      if (range) say(`Playlist (VOD):  ${playlistUrl(range.startMs, range.endMs)} (${((range.endMs - range.startMs) / 1000).toFixed(1)} s recorded so far)`);
    };

    await recorder.start();
    recorder.startRawStreams(); // (at the frame rate the clip's SPS carries)
    const pace = feedPace(!values.fast, signal);
    // Progress: a counter redrawn on a terminal, one plain line per segment otherwise (logs, CI).
    let uploaded = 0;
    recorder.on("segment-uploaded", (u: { key: string; bytes: number }) => {
      uploaded++;
      if (process.stdout.isTTY) process.stdout.write(`\r${uploaded} segments recorded`);
      else process.stdout.write(`recorded ${u.key} (${u.bytes} bytes)\n`);
    });
    // --fast feeds as fast as the store takes the segments (a file waits for the uploads); real time plays a camera.
    for (let loop = 0; loop < loops && !signal.aborted; loop++) {
      if (loop > 0) recorder.rewindRawStreams();
      await feedRawStreams(recorder, fileChunks(SAMPLE_VIDEO, VIDEO_CHUNK, signal), fileChunks(SAMPLE_AUDIO, AUDIO_CHUNK, signal), {
        pace,
        signal,
        live: !values.fast,
      });
      if (!signal.aborted && loop + 1 < loops) sayRecordedSoFar();
    }
    const stats = await recorder.close({ deadlineMs: 10_000 });
    if (process.stdout.isTTY) process.stdout.write("\n");
    if (!signal.aborted) sayRecordedSoFar();
    process.stdout.write(
      `Recorded ${stats.segmentsUploaded} segments (${(stats.bytesUploaded / 1e6).toFixed(2)} MB), ${stats.segmentsDropped} lost. ` +
        (signal.aborted ? "Stopped.\n" : `Still serving ${server.url}?camera=${camera} — Ctrl-C stops.\n`),
    );
    if (!signal.aborted) await new Promise((resolve) => signal.addEventListener("abort", resolve));
    await server.close();
    interrupt.dispose();
    return interrupt.exitCode ?? (stats.segmentsDropped > 0 ? 1 : 0);
  },
};
