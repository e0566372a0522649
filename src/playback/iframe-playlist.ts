// Writes an I-frame playlist (RFC 8216 §4.3.3.6 EXT-X-I-FRAMES-ONLY) for recorded segments: one entry per segment,
// its first picture, as the byte range the key announces (keyframeBytes), so a player can scrub by fetching
// pictures instead of whole segments. Segments whose key has no keyframeBytes (older layout) are left out, and so
// are fMP4 segments (not for fMP4 yet: the core does not report where their first picture ends).
import { programDateTime, seconds, type PlaylistEntry, type PlaylistOptions } from "./playlist.js";
import { formatMediaPlaylist, type MediaPlaylistEntry } from "../media-playlist.js";

export function buildIframePlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const lines: MediaPlaylistEntry[] = [];
  let previous = -1;
  entries.forEach(({ segment, uri }, i) => {
    if (!(segment.keyframeBytes! > 0)) return;
    lines.push({
      uri,
      // An I-frame lasts until the next one listed: the segment's duration (one entry per segment).
      duration: seconds(segment.durationMs),
      // A skipped segment leaves a hole in the timeline too.
      discontinuity: previous >= 0 && (segment.discontinuity || previous !== i - 1),
      // Every entry carries its wall-clock time: a page lays the pictures out on its timeline with it.
      programDateTime: programDateTime(segment.startMs),
      byteRange: `${segment.keyframeBytes}@0`,
    });
    previous = i;
  });
  return formatMediaPlaylist(lines, { type: options.live ? "EVENT" : "VOD", iFramesOnly: true });
}
