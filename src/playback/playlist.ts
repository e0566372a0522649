// Writes an HLS media playlist (RFC 8216) for recorded segments.
import type { RecordedSegment } from "./recordings.js";
import { formatMediaPlaylist } from "../media-playlist.js";

export interface PlaylistEntry {
  segment: RecordedSegment;
  /** Where the player fetches the segment: a presigned URL or a URL of our server (relative is fine). */
  uri: string;
}

export interface PlaylistOptions {
  /**
   * True while the range reaches the present: segments may still be appended, so the playlist is an EVENT playlist
   * without EXT-X-ENDLIST and the player reloads it. False for a closed range: VOD with EXT-X-ENDLIST.
   */
  live: boolean;
}

/** Used as EXT-X-TARGETDURATION of an empty live playlist (the player's reload interval): the SDK's default. */
const DEFAULT_TARGET_DURATION_S = 2;

/** "2026-11-25T19:00:00.000Z": milliseconds and a zone, as RFC 8216 §4.3.2.6 asks. */
export const programDateTime = (ms: number) => new Date(ms).toISOString();

/** EXTINF in seconds with millisecond precision, the precision of the key. */
export const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function buildPlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const lines = entries.map(({ segment, uri }, i) => ({
    uri,
    duration: seconds(segment.durationMs),
    discontinuity: i > 0 && segment.discontinuity,
    programDateTime: i === 0 || segment.discontinuity ? programDateTime(segment.startMs) : undefined,
  }));
  return formatMediaPlaylist(lines, { type: options.live ? "EVENT" : "VOD", emptyTargetDuration: DEFAULT_TARGET_DURATION_S });
}
