// After a recording from the command line: the time range that reached the store, and the exact
// `ipc-hls playlist` command that replays it.
import { parseSegmentKey } from "../keys.js";
import type { HlsRecorder } from "../sdk.js";
import type { TimeRange } from "../playback/time-range.js";

/** Follows the segments the store acknowledged (live or from a spill directory); call the result for their range. */
export function trackRecordedRange(recorder: HlsRecorder): () => TimeRange | undefined {
  let range: TimeRange | undefined;
  recorder.on("segment-uploaded", ({ key }) => {
    const fields = parseSegmentKey(key);
    if (!fields) return;
    const endMs = fields.startMs + fields.durationMs;
    range = range
      ? { startMs: Math.min(range.startMs, fields.startMs), endMs: Math.max(range.endMs, endMs) }
      : { startMs: fields.startMs, endMs };
  });
  return () => range;
}

export interface PlaylistFlags {
  bucket: string;
  prefix: string;
  endpoint?: string;
  region?: string;
  "path-style"?: boolean;
}

/** Quotes a word for a POSIX shell only where it needs it. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `ipc-hls playlist` over the range, with the flags the recording used (credentials stay in the environment). */
export function playlistCommand(flags: PlaylistFlags, range: TimeRange): string {
  const words = ["ipc-hls", "playlist", "--bucket", flags.bucket, "--prefix", flags.prefix];
  words.push("--from", new Date(range.startMs).toISOString(), "--to", new Date(range.endMs).toISOString());
  if (flags.endpoint !== undefined) words.push("--endpoint", flags.endpoint);
  if (flags.region !== undefined) words.push("--region", flags.region);
  if (flags["path-style"]) words.push("--path-style");
  return words.map(shellWord).join(" ");
}

/** The summary's lines about what was recorded: the UTC range, and how to replay it. */
export function replayLines(flags: PlaylistFlags, range: TimeRange | undefined): string[] {
  if (!range) return ["  recorded:   nothing reached the store"];
  const iso = (ms: number) => new Date(ms).toISOString();
  return [
    `  recorded:   ${iso(range.startMs)} → ${iso(range.endMs)} (UTC, first segment start → last segment end)`,
    `  replay:     ${playlistCommand(flags, range)}`,
  ];
}
