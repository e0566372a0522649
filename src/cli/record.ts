// `ipc-hls record`: records cameras (RTSP, a live H.264 pipe, or a file at camera pace) into S3 or a directory
// until SIGINT/SIGTERM, reconnecting forever; then prints a summary per camera. See src/record/.
import { parseCommandArgs, parseFrameRate, parseSeconds, requireInputFile, UsageError, type Command } from "./command.js";
import { environmentCredentials, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import { CAMERA_RE } from "../playback/api.js";
import { LocalStore } from "../store/local-store.js";
import { Camera, type CameraOptions } from "../record/camera.js";
import { StatusBoard } from "../record/status.js";
import { runCameras } from "../record/runner.js";
import { RtspSource } from "../record/sources/rtsp.js";
import { LivePipeSource } from "../record/sources/live-pipe.js";
import { FileSource } from "../record/sources/file.js";
import type { Source } from "../record/source.js";
import type { ChecksumMode } from "../s3/checksum.js";

const help = `Usage: ipc-hls record <source> --name <camera> (--bucket <bucket> [S3 options] | --store <dir>) [options]

Records a camera until Ctrl-C (SIGINT) or SIGTERM, as HLS segments under <camera>/ in the bucket or directory
(what 'serve' and 'playlist --prefix <camera>' read). A camera that drops or reboots is reconnected with a
backoff from 1 s to 30 s, forever. The store may be unreachable at start: the recording waits in the buffer
(and the --spill directory) and is uploaded when the store answers. At the end the open segment is finished and
uploaded (or spilled) and a summary printed; the exit code is 0 when nothing was lost.

<source>:
  rtsp://[user:pass@]host[:port]/path   an IP camera (also rtsps://); H.264 video, AAC audio when it sends AAC
  -                                     live Annex B H.264 on standard input (e.g. rpicam-vid -t 0 --inline -o -)
  <file.h264> --realtime --fps <rate>   a raw H.264 file played once at the camera's pace

Options:
  --name <camera>           the camera's name: its folder in the store (letters, digits, . _ : -)
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
  --transport <tcp|udp>     RTSP transport (default tcp)
  --fps <rate>              frame rate of a live pipe or file: 25, 29.97, 30000/1001 (a pipe without it is
                            timed from the measured arrival rate)
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
  store: { type: "string" },
  bucket: { type: "string" },
  prefix: { type: "string" },
  ...S3_FLAGS,
  checksum: { type: "string" },
  tag: { type: "string", multiple: true },
  spill: { type: "string" },
  "spill-max": { type: "string" },
  "buffer-size": { type: "string" },
  "segment-duration": { type: "string" },
  transport: { type: "string" },
  fps: { type: "string" },
  "stall-timeout": { type: "string" },
  realtime: { type: "boolean" },
  audio: { type: "string" },
  deadline: { type: "string" },
  "status-interval": { type: "string" },
} as const;

export const command: Command = {
  name: "record",
  summary: "record cameras (RTSP, a live pipe) into S3 or a directory until stopped, reconnecting forever",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS);
    if (positionals.length !== 1) throw new UsageError("give exactly one source: ipc-hls record <rtsp://…|-|file.h264> --name <camera> (--bucket <b> | --store <dir>)");
    const name = values.name;
    if (name === undefined) throw new UsageError("--name <camera> is required");
    if (!CAMERA_RE.test(name)) throw new UsageError(`bad --name ${JSON.stringify(name)}: 1-128 letters, digits, '.', '_', ':' or '-', starting with a letter or digit`);

    const tty = process.stdout.isTTY === true;
    const statusInterval = values["status-interval"] === "0" ? 0 : parseSeconds("--status-interval", values["status-interval"], 60);
    const board = new StatusBoard(() => cameras.map((c) => c.status()), { tty, intervalMs: statusInterval * 1000 });
    const source = await sourceFrom(positionals[0]!, values, board, () => cameras[0]!);
    const recorder = recorderOptions(values);
    const spillMax = values["spill-max"] === undefined ? undefined : Number(values["spill-max"]);
    if (spillMax !== undefined && !(Number.isInteger(spillMax) && spillMax > 0)) throw new UsageError(`bad --spill-max ${JSON.stringify(values["spill-max"])}`);
    if (spillMax !== undefined && !values.spill) throw new UsageError("--spill-max needs --spill <dir>");
    const options: CameraOptions = {
      name,
      folder: values.prefix,
      source,
      recorder: { ...recorder, ...(values.spill ? { spill: { dir: values.spill, maxBytes: spillMax } } : {}) },
      log: board,
      closeDeadlineMs: parseSeconds("--deadline", values.deadline, 30) * 1000,
    };
    const cameras = [new Camera(options)];
    board.note(`recording ${source.label} as ${name} into ${cameras[0]!.recorder.destination}`);
    const { exitCode } = await runCameras(cameras, board);
    return exitCode;
  },
};

type Values = ReturnType<typeof parseCommandArgs<typeof FLAGS>>["values"];

/** The recorder options every camera of this command shares: where to, buffer, segments, checksum, tags. */
function recorderOptions(values: Values): CameraOptions["recorder"] {
  const bufferSize = values["buffer-size"] === undefined ? 4 * 1024 * 1024 : Number(values["buffer-size"]);
  if (!Number.isInteger(bufferSize) || bufferSize <= 0) throw new UsageError(`bad --buffer-size ${JSON.stringify(values["buffer-size"])}`);
  const checksum = values.checksum ?? "crc32";
  if (checksum !== "crc32" && checksum !== "sha256") throw new UsageError(`bad --checksum ${JSON.stringify(checksum)}: crc32 or sha256`);
  const common = {
    bufferSize,
    segmentDuration: parseSeconds("--segment-duration", values["segment-duration"], 2),
    tags: parseTags(values.tag ?? []),
  };
  if (values.store !== undefined && values.bucket !== undefined) throw new UsageError("give --bucket or --store, not both");
  if (values.store !== undefined) {
    if (values.prefix !== undefined) throw new UsageError("--prefix is for --bucket (with --store, the camera's folder is <dir>/<name>)");
    return { ...common, store: new LocalStore(values.store) };
  }
  if (values.bucket === undefined) throw new UsageError("--bucket <bucket> or --store <dir> is required");
  return {
    ...common,
    ...s3Location(values.bucket, values),
    credentials: environmentCredentials(),
    checksum: checksum as ChecksumMode,
  };
}

async function sourceFrom(where: string, values: Values, board: StatusBoard, camera: () => Camera): Promise<Source> {
  if (/^rtsps?:\/\//i.test(where)) {
    const transport = values.transport ?? "tcp";
    if (transport !== "tcp" && transport !== "udp") throw new UsageError(`bad --transport ${JSON.stringify(transport)}: tcp or udp`);
    if (values.realtime || values.audio) throw new UsageError("--realtime and --audio are for files");
    return new RtspSource(where, { transport });
  }
  if (values.transport !== undefined) throw new UsageError("--transport is for rtsp:// sources");
  const fps = values.fps === undefined ? undefined : parseFrameRate(values.fps);
  if (where === "-") {
    if (values.realtime || values.audio) throw new UsageError("--realtime and --audio are for files");
    return new LivePipeSource(process.stdin, "standard input", {
      fps: fps && fps[0] / fps[1],
      stallMs: parseSeconds("--stall-timeout", values["stall-timeout"], 5) * 1000,
      notice: (line) => board.info(camera().name, line),
      resumed: () => camera().resumed(),
    });
  }
  await requireInputFile(where, "input");
  if (!values.realtime) throw new UsageError("a file source needs --realtime (it is played once at the camera's pace); for files as fast as possible use 'ipc-hls push'");
  if (!fps) throw new UsageError("a file source needs --fps");
  if (values.audio) await requireInputFile(values.audio, "audio input");
  return new FileSource({ video: where, audio: values.audio, fpsNum: fps[0], fpsDen: fps[1] });
}

/** --tag k=v, repeatable. */
function parseTags(list: string[]): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const item of list) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new UsageError(`bad --tag ${JSON.stringify(item)}: use key=value`);
    tags[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return tags;
}
