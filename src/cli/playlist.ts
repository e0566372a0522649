// `ipc-hls playlist`: prints an HLS playlist of presigned segment URLs for a time range of recordings in S3.
import { parseCommandArgs, UsageError, type Command } from "./command.js";
import { environmentCredentials, parseExpires, s3Location, S3_FLAGS, S3_FLAGS_HELP } from "./s3-flags.js";
import { normalizePrefix } from "../keys.js";
import { rangePlaylist } from "../playback/range-playlist.js";
import { checkRange, InvalidTimeError, parseTime } from "../playback/time-range.js";
import { S3Store } from "../store/s3-store.js";

/** Presigned URLs live at most 7 days, so a longer playlist could not be watched to its end. */
const MAX_RANGE_MS = 7 * 86_400_000;

const help = `Usage: ipc-hls playlist --bucket <bucket> --prefix <prefix> --from <time> --to <time> [options]

Lists the recordings of one camera (the SDK's key prefix) that overlap the range and prints an HLS playlist
whose segment URIs are presigned GET URLs. Times are ISO 8601 with a zone (2026-11-25T19:00:00Z) or epoch ms.
A range that reaches the present gives an EVENT playlist without EXT-X-ENDLIST; a closed range a VOD playlist.

Options:
  --bucket <name>     the bucket the camera records into (required)
  --prefix <prefix>   the camera's key prefix, e.g. cameras/frontdoor (required; "" for the bucket root)
  --from <time>       start of the range (required)
  --to <time>         end of the range (required; at most 7 days after --from)
  --expires <s>       lifetime of the presigned URLs in seconds, at most 604800 (default 3600)
${S3_FLAGS_HELP}

Credentials come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. URLs signed with temporary
credentials (a session token) stop working when the token expires, whatever --expires says.

Example:
  ipc-hls playlist --bucket my-recordings --prefix cameras/frontdoor \\
    --from 2026-11-25T08:00:00Z --to 2026-11-25T09:00:00Z > morning.m3u8`;

const FLAGS = {
  bucket: { type: "string" },
  prefix: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  expires: { type: "string" },
  ...S3_FLAGS,
} as const;

export const command: Command = {
  name: "playlist",
  summary: "print an HLS playlist (presigned URLs) for a time range of recordings in S3",
  help,
  async run(argv) {
    const { values } = parseCommandArgs(argv, FLAGS, false);
    for (const flag of ["bucket", "prefix", "from", "to"] as const) {
      if (values[flag] === undefined) throw new UsageError(`--${flag} is required (see ipc-hls playlist --help)`);
    }
    const expiresIn = parseExpires(values.expires);
    let range;
    try {
      range = checkRange(parseTime(values.from!, "--from"), parseTime(values.to!, "--to"), MAX_RANGE_MS);
    } catch (err) {
      if (err instanceof InvalidTimeError) throw new UsageError(err.message);
      throw err;
    }
    const credentials = environmentCredentials();
    const store = new S3Store({ location: s3Location(values.bucket!, values), credentials });
    try {
      const prefix = normalizePrefix(values.prefix!);
      const result = await rangePlaylist({ store, prefix, range, segmentUri: async (s) => (await store.presign(s.key, expiresIn)).url });
      if (result.segments.length === 0) {
        process.stderr.write(`ipc-hls playlist: nothing recorded under s3://${values.bucket}/${prefix} in that range\n`);
        return 1;
      }
      process.stdout.write(result.playlist);
      if (process.env.AWS_SESSION_TOKEN) {
        process.stderr.write("ipc-hls playlist: note: the URLs are signed with a session token and stop working when it expires\n");
      }
      return 0;
    } finally {
      store.close();
    }
  },
};
