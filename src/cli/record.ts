// `ipc-hls record`: records cameras (RTSP, a live H.264 or H.265 pipe, or a file at camera pace) into S3 or a directory
// until SIGINT/SIGTERM, reconnecting forever; then prints a summary per camera. See src/record/.
import { readFile } from "node:fs/promises";
import { parseCommandArgs, parseFrameRate, parseSeconds, requireInputFile, UsageError, type Command } from "./command.js";
import { environmentCredentials, parseContainer, parseTags, s3Location, RECORDER_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import { LocalStore } from "../store/local-store.js";
import { Camera, type CameraOptions } from "../record/camera.js";
import { StatusBoard } from "../record/status.js";
import { runCameras } from "../record/runner.js";
import { RtspSource } from "../record/sources/rtsp.js";
import { LivePipeSource } from "../record/sources/live-pipe.js";
import { FileSource } from "../record/sources/file.js";
import type { Source } from "../record/source.js";
import { UploadSlots } from "../upload-slots.js";
import { CAMERA_RE, normalizePrefix } from "../keys.js";
import { maskUserinfo } from "../mask-url.js";
import { parseRecordConfigText, RecordConfigError, type CameraConfig, type CameraDestination, type CameraSource } from "../record-config.js";
import { startMetricsServer, type MetricsServer } from "../metrics.js";
import type { ChecksumMode } from "../s3/checksum.js";

const help = `Usage: ipc-hls record <source> --name <camera> (--bucket <bucket> [S3 options] | --store <dir>) [options]
       ipc-hls record --config cameras.json [--metrics <port>] [options]

Records a camera until Ctrl-C (SIGINT) or SIGTERM, as HLS segments under <camera>/ in the bucket or directory
(what 'serve' and 'playlist --prefix <camera>' read). A camera that drops or reboots is reconnected with a
backoff from 1 s to 30 s, forever. The store may be unreachable at start: the recording waits in the buffer
(and the --spill directory) and is uploaded when the store answers. At the end the open segment is finished and
uploaded (or spilled) and a summary printed; the exit code is 0 when nothing was lost, 1 when something was
lost or a camera failed or recorded nothing because of an error (wrong password, unreachable camera).

<source>:
  rtsp://[user:pass@]host[:port]/path   an IP camera (also rtsps://); H.264 or H.265 video, AAC audio when it sends AAC
  -                                     live Annex B H.264 or H.265 on standard input (e.g. rpicam-vid -t 0 --inline -o -)
  <file.h264|.hevc> --realtime [--fps <rate>]  a raw H.264 or H.265 file played once at the camera's pace

Options:
  --name <camera>           the camera's name: its folder in the store (letters, digits, . _ : -)
  --config <file.json>      several cameras in one process (schema in the README: "Recording cameras")
  --metrics <port>          serve Prometheus metrics on http://127.0.0.1:<port>/metrics, and /healthz
  --concurrency <n>         uploads in flight at once, shared by all cameras (default 8)
  --store <dir>             record into this directory instead of S3
  --bucket <name>           record into this S3 bucket (credentials from AWS_ACCESS_KEY_ID,
                            AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
  --prefix <prefix>         folder of the camera folders in the bucket (default: none)
${S3_FLAGS_HELP}
  --checksum <crc32|sha256> how S3 verifies each upload (default crc32)
  --tag <key=value>         object tag, repeatable (at most 10)
  --spill <dir>             store and forward: segments the uploads cannot keep up with wait here (e.g. on an
                            SD card) and are uploaded later, also by the next run
  --spill-max <bytes>       most bytes kept in the spill directory (default 268435456)
  --buffer-size <bytes>     ring buffer size (default 4194304)
  --segment-duration <s>    target segment duration (default 2)
  --container <ts|fmp4>     segment format (default ts): fmp4 stores .m4s segments and an init segment per
                            session (<camera>/init/)
  --transport <tcp|udp>     RTSP transport (default tcp)
  --fps <rate>              frame rate of a live pipe or file: 25, 29.97, 30000/1001 (a pipe without it is
                            timed from the measured arrival rate; a file, from its SPS's timing)
  --stall-timeout <s>       a live pipe silent this long is handled as a dropped camera (default 5)
  --realtime                play a file at the camera's pace (required for files)
  --audio <file.aac>        ADTS AAC to record beside a file
  --deadline <s>            at the end, wait at most this long for uploads (default 30)
  --status-interval <s>     without a terminal, print each camera's status this often (default 60; 0: never)

Examples:
  ipc-hls record rtsp://admin:secret@192.168.1.64/Streaming/Channels/101 --name front-door --bucket my-recordings --region eu-west-1 --spill /mnt/sd/spill
  rpicam-vid -t 0 --inline -o - | ipc-hls record - --name pi-cam --store /mnt/sd/recordings --fps 30
  ipc-hls record clip.h264 --realtime --fps 25 --name test --store ./recordings`;

const FLAGS = {
  name: { type: "string" },
  config: { type: "string" },
  metrics: { type: "string" },
  store: { type: "string" },
  ...RECORDER_FLAGS,
  transport: { type: "string" },
  fps: { type: "string" },
  "stall-timeout": { type: "string" },
  realtime: { type: "boolean" },
  audio: { type: "string" },
  "status-interval": { type: "string" },
  concurrency: { type: "string" },
} as const;

/** Flags that describe one camera: with --config the file describes the cameras instead. */
const CAMERA_FLAGS = ["name", "store", "bucket", "prefix", "endpoint", "path-style", "region", "tag", "spill", "spill-max", "buffer-size", "segment-duration", "container", "transport", "fps", "realtime", "audio"] as const;

/** Uploads in flight at once across all cameras, unless --concurrency or the config says otherwise. */
const DEFAULT_SHARED_UPLOADS = 8;

export const command: Command = {
  name: "record",
  summary: "record cameras (RTSP, a live pipe) into S3 or a directory until stopped, reconnecting forever",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    let configs: CameraConfig[];
    let concurrency: number | undefined;
    let metricsPort: number | undefined;
    if (values.config !== undefined) {
      if (positionals.length > 0) throw new UsageError("with --config the cameras come from the file: give no source on the command line");
      const extra = CAMERA_FLAGS.filter((flag) => values[flag] !== undefined);
      if (extra.length > 0) throw new UsageError(`with --config, set ${extra.map((f) => `--${f}`).join(", ")} in the file (defaults or per camera)`);
      ({ cameras: configs, concurrency, metricsPort } = await readConfig(values.config));
    } else {
      if (positionals.length !== 1) throw new UsageError("give exactly one source: ipc-hls record <rtsp://…|-|file.h264> --name <camera> (--bucket <b> | --store <dir>), or --config cameras.json");
      configs = [await configFromFlags(positionals[0]!, values)];
    }
    if (values.metrics !== undefined) metricsPort = parsePort(values.metrics);
    if (values.concurrency !== undefined) concurrency = parseCount("--concurrency", values.concurrency);
    const checksum = values.checksum ?? "crc32";
    if (checksum !== "crc32" && checksum !== "sha256") throw new UsageError(`bad --checksum ${JSON.stringify(checksum)}: crc32 or sha256`);
    const statusInterval = values["status-interval"] === "0" ? 0 : parseSeconds("--status-interval", values["status-interval"], 60);
    const closeDeadlineMs = parseSeconds("--deadline", values.deadline, 30) * 1000;
    const stallMs = parseSeconds("--stall-timeout", values["stall-timeout"], 5) * 1000;
    const credentials = configs.some((c) => c.destination.kind === "s3") ? environmentCredentials() : undefined;

    const board = new StatusBoard(() => cameras.map((c) => c.status()), { tty: process.stdout.isTTY === true, intervalMs: statusInterval * 1000 });
    // One limit on uploads for every camera of the process (one uplink).
    const uploadSlots = new UploadSlots(concurrency ?? DEFAULT_SHARED_UPLOADS);
    const cameras: Camera[] = configs.map((config) => {
      const source = sourceOf(config, { audio: values.audio, stallMs, board, camera: () => camera });
      const camera: Camera = new Camera({
        name: config.name,
        keyPrefix: config.keyPrefix,
        source,
        recorder: {
          bufferSize: config.bufferSize ?? 4 * 1024 * 1024,
          segmentDuration: config.segmentDuration,
          container: config.container,
          tags: config.tags,
          spill: config.spill,
          uploadSlots,
          ...(config.destination.kind === "dir"
            ? { store: new LocalStore(config.destination.dir) }
            : {
                ...s3Location(config.destination.bucket, { region: config.destination.region, endpoint: config.destination.endpoint, "path-style": config.destination.pathStyle }),
                credentials,
                checksum: checksum as ChecksumMode,
              }),
        },
        log: board,
        closeDeadlineMs,
      });
      return camera;
    });
    for (const camera of cameras) board.note(`${camera.name}: recording ${camera.status().source} into ${camera.recorder.destination}`);
    let metrics: MetricsServer | undefined;
    if (metricsPort !== undefined) {
      metrics = await startMetricsServer({ port: metricsPort, cameras: () => cameras.map((c) => c.metrics()) });
      board.note(`metrics on http://127.0.0.1:${metrics.port}/metrics and /healthz`);
    }
    try {
      return (await runCameras(cameras, board)).exitCode;
    } finally {
      await metrics?.close();
    }
  },
};

type Values = ReturnType<typeof parseCommandArgs<typeof FLAGS>>["values"];

async function readConfig(path: string) {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read --config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    return parseRecordConfigText(text, path);
  } catch (err) {
    if (err instanceof RecordConfigError) throw new UsageError(`--config ${path}:\n  ${err.problems.join("\n  ")}`);
    throw err;
  }
}

/** The one camera of the command line, in the shape of a config file's camera. */
async function configFromFlags(where: string, values: Values): Promise<CameraConfig> {
  const name = values.name;
  if (name === undefined) throw new UsageError("--name <camera> is required");
  if (!CAMERA_RE.test(name)) throw new UsageError(`bad --name ${JSON.stringify(name)}: 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`);
  const bufferSize = values["buffer-size"] === undefined ? undefined : Number(values["buffer-size"]);
  if (bufferSize !== undefined && !(Number.isInteger(bufferSize) && bufferSize > 0)) throw new UsageError(`bad --buffer-size ${JSON.stringify(values["buffer-size"])}`);
  const spillMax = values["spill-max"] === undefined ? undefined : Number(values["spill-max"]);
  if (spillMax !== undefined && !(Number.isInteger(spillMax) && spillMax > 0)) throw new UsageError(`bad --spill-max ${JSON.stringify(values["spill-max"])}`);
  if (spillMax !== undefined && !values.spill) throw new UsageError("--spill-max needs --spill <dir>");
  if (values.store !== undefined && values.bucket !== undefined) throw new UsageError("give --bucket or --store, not both");
  let destination: CameraDestination;
  if (values.store !== undefined) {
    if (values.prefix !== undefined) throw new UsageError("--prefix is for --bucket (with --store, the camera's folder is <dir>/<name>)");
    destination = { kind: "dir", dir: values.store };
  } else if (values.bucket !== undefined) {
    destination = { kind: "s3", bucket: values.bucket, region: values.region, endpoint: values.endpoint, pathStyle: values["path-style"] };
  } else throw new UsageError("--bucket <bucket> or --store <dir> is required");
  const prefix = normalizePrefix(values.prefix ?? "");

  let source: CameraSource;
  const fps = values.fps === undefined ? undefined : parseFrameRate(values.fps);
  if (/^rtsps?:\/\//i.test(where)) {
    const transport = values.transport ?? "tcp";
    if (transport !== "tcp" && transport !== "udp") throw new UsageError(`bad --transport ${JSON.stringify(transport)}: tcp or udp`);
    source = { kind: "rtsp", url: where };
  } else if (where === "-") source = { kind: "stdin" };
  else {
    await requireInputFile(where, "input");
    if (!values.realtime) throw new UsageError("a file source needs --realtime (it is played once at the camera's pace); for files as fast as possible use 'ipc-hls push'");
    if (values.audio) await requireInputFile(values.audio, "audio input");
    source = { kind: "file", path: where };
  }
  if (source.kind !== "rtsp" && values.transport !== undefined) throw new UsageError("--transport is for rtsp:// sources");
  if (source.kind !== "file" && (values.realtime || values.audio)) throw new UsageError("--realtime and --audio are for file sources");
  return {
    name,
    source,
    sourceLabel: source.kind === "rtsp" ? maskUserinfo(source.url) : source.kind === "stdin" ? "-" : source.path,
    transport: source.kind === "rtsp" ? ((values.transport ?? "tcp") as "tcp" | "udp") : undefined,
    fps,
    destination,
    keyPrefix: prefix ? `${prefix}/${name}` : name,
    spill: values.spill ? { dir: values.spill, maxBytes: spillMax } : undefined,
    bufferSize,
    segmentDuration: values["segment-duration"] === undefined ? undefined : parseSeconds("--segment-duration", values["segment-duration"], 2),
    container: parseContainer(values.container),
    tags: values.tag ? parseTags(values.tag) : undefined,
  };
}

function sourceOf(config: CameraConfig, o: { audio?: string; stallMs: number; board: StatusBoard; camera: () => Camera }): Source {
  const { source, fps } = config;
  switch (source.kind) {
    case "rtsp":
      return new RtspSource(source.url, { transport: config.transport });
    case "stdin":
      return new LivePipeSource(process.stdin, "standard input", {
        fps: fps && fps[0] / fps[1],
        stallMs: o.stallMs,
        notice: (line) => o.board.info(config.name, line),
        stalled: () => o.camera().stalled(),
        resumed: () => o.camera().resumed(),
      });
    case "file":
      return new FileSource({ video: source.path, audio: o.audio, fpsNum: fps?.[0], fpsDen: fps?.[1] }); // (no --fps: the SPS's rate)
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`bad --metrics ${JSON.stringify(text)}: a TCP port (0 picks a free one)`);
  return port;
}

function parseCount(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`bad ${flag} ${JSON.stringify(text)}: a whole number ≥ 1`);
  return n;
}

