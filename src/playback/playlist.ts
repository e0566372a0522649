// Writes an HLS media playlist (RFC 8216) for recorded segments.
import type { RecordedSegment } from "./recordings.js";

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
const seconds = (ms: number) => (ms / 1000).toFixed(3);

export function buildPlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const longest = Math.max(0, ...entries.map((e) => e.segment.durationMs));
  // Each EXTINF rounded must be <= the target duration (RFC 8216 §4.3.3.1): the ceiling always is.
  const targetDuration = entries.length === 0 ? DEFAULT_TARGET_DURATION_S : Math.max(1, Math.ceil(longest / 1000));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${targetDuration}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${options.live ? "EVENT" : "VOD"}`,
    // Every segment starts with SPS, PPS and an IDR (the core cuts only there).
    "#EXT-X-INDEPENDENT-SEGMENTS",
  ];
  entries.forEach(({ segment, uri }, i) => {
    if (i > 0 && segment.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    if (i === 0 || segment.discontinuity) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(segment.startMs)}`);
    lines.push(`#EXTINF:${seconds(segment.durationMs)},`, uri);
  });
  if (!options.live) lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
