// `ipc-hls export`: a time range of one camera's recordings as one MP4 file (remuxed, not re-encoded).
import { rename, rm } from "node:fs/promises";
import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { environmentCredentials, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import { normalizePrefix } from "../keys.js";
import { ClipTooLargeError, DEFAULT_CLIP_LIMITS, NothingRecordedError, planClip, remuxToMp4, segmentReaderFor, type SegmentReader } from "../playback/clip.js";
import type { Lister } from "../playback/recordings.js";
import { checkRange, InvalidTimeError, parseTime } from "../playback/time-range.js";
import { writeFlushed } from "../store/durable-file.js";
import { LocalStore } from "../store/local-store.js";
import { S3Store } from "../store/s3-store.js";

const help = `Usage: ipc-hls export --prefix <camera prefix> --from <time> --to <time> (--store <dir> | --bucket <name>) <out.mp4>

Writes the recordings of one camera in the range as one MP4 (H.264 + AAC, the recorded frames copied, nothing
re-encoded). The clip is made of whole segments: it starts at the segment boundary at or before --from and ends
with the segment holding --to; gaps between recordings are left out. Times are ISO 8601 with a zone
(2026-11-25T19:00:00Z) or epoch ms.

Options:
  --prefix <prefix>   the camera's key prefix, e.g. cameras/frontdoor (required; with --store, the folder under it)
  --from <time>       start of the range (required)
  --to <time>         end of the range (required)
  --store <dir>       read a local recordings directory
  --bucket <name>     read an S3 bucket (credentials from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN)
  --max-mb <n>        refuse a range holding more than this many MB of segments (default ${DEFAULT_CLIP_LIMITS.maxBytes / 1024 / 1024})
  --max-minutes <n>   refuse a range holding more than this many minutes of recordings (default ${DEFAULT_CLIP_LIMITS.maxDurationMs / 60_000})
${S3_FLAGS_HELP}

The limits are checked against the listing before anything is read; the MP4 is built in memory.

Example:
  ipc-hls export --store /mnt/sd/recordings --prefix frontdoor \\
    --from 2026-11-25T08:00:00Z --to 2026-11-25T08:05:00Z frontdoor.mp4`;

const FLAGS = {
  prefix: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  store: { type: "string" },
  bucket: { type: "string" },
  "max-mb": { type: "string" },
  "max-minutes": { type: "string" },
  ...S3_FLAGS,
} as const;

function positiveNumber(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`bad --${flag} ${JSON.stringify(text)}: give a positive number`);
  return value;
}

export const command: Command = {
  name: "export",
  summary: "write a time range of one camera's recordings as an MP4 file (no re-encoding)",
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, FLAGS, true);
    for (const flag of ["prefix", "from", "to"] as const) {
      if (values[flag] === undefined) throw new UsageError(`--${flag} is required (see ipc-hls export --help)`);
    }
    if (positionals.length !== 1) throw new UsageError("give one output file, e.g. clip.mp4");
    const out = positionals[0];
    if ((values.store === undefined) === (values.bucket === undefined)) throw new UsageError("give either --store <dir> or --bucket <name>");
    const limits = {
      maxBytes: positiveNumber("max-mb", values["max-mb"], DEFAULT_CLIP_LIMITS.maxBytes / 1024 / 1024) * 1024 * 1024,
      maxDurationMs: positiveNumber("max-minutes", values["max-minutes"], DEFAULT_CLIP_LIMITS.maxDurationMs / 60_000) * 60_000,
    };
    let range;
    try {
      // The limits bound the clip; the range itself only bounds how many hour folders are listed.
      range = checkRange(parseTime(values.from!, "--from"), parseTime(values.to!, "--to"), 7 * 86_400_000);
    } catch (err) {
      if (err instanceof InvalidTimeError) throw new UsageError(err.message);
      throw err;
    }
    const prefix = normalizePrefix(values.prefix!);
    let store: Lister;
    let read: SegmentReader;
    let close = () => {};
    let where: string;
    if (values.store !== undefined) {
      const local = new LocalStore(values.store);
      store = local;
      read = segmentReaderFor(local);
      where = `${local.root}/${prefix}`;
    } else {
      const s3 = new S3Store({ location: s3Location(values.bucket!, values), credentials: environmentCredentials() });
      store = s3;
      read = segmentReaderFor(s3);
      close = () => s3.close();
      where = `s3://${values.bucket}/${prefix}`;
    }
    try {
      let plan;
      try {
        plan = await planClip(store, prefix, range, limits);
      } catch (err) {
        if (err instanceof NothingRecordedError) throw new Error(`nothing recorded under ${where} in that range`);
        if (err instanceof ClipTooLargeError) throw new Error(`${err.message} (or raise --max-mb / --max-minutes)`);
        throw err;
      }
      const mp4 = await remuxToMp4(plan.segments, read);
      // Written whole or not at all: a temporary file renamed into place.
      const temporary = `${out}.${process.pid}.tmp`;
      try {
        await writeFlushed(temporary, [mp4]);
        await rename(temporary, out);
      } catch (err) {
        await rm(temporary, { force: true });
        throw err;
      }
      const iso = (ms: number) => new Date(ms).toISOString();
      process.stderr.write(
        `ipc-hls export: ${out}: ${plan.segments.length} segments, ${(plan.durationMs / 1000).toFixed(1)} s from ${iso(plan.startMs)} to ${iso(plan.endMs)}, ${(mp4.byteLength / 1024 / 1024).toFixed(1)} MB\n`,
      );
      return 0;
    } finally {
      close();
    }
  },
};
