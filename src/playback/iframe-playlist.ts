// Writes an I-frame playlist (RFC 8216 §4.3.3.6 EXT-X-I-FRAMES-ONLY) for recorded segments: one entry per segment,
// its first picture, as the byte range the key announces (keyframeBytes), so a player can scrub by fetching
// pictures instead of whole segments. Segments whose key has no keyframeBytes (older layout) are left out.
import { programDateTime, type PlaylistEntry, type PlaylistOptions } from "./playlist.js";

export function buildIframePlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const longest = Math.max(0, ...entries.filter((e) => e.segment.keyframeBytes! > 0).map((e) => e.segment.durationMs));
  const lines = [
    "#EXTM3U",
    // EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY need version 4.
    "#EXT-X-VERSION:4",
    `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(longest / 1000))}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${options.live ? "EVENT" : "VOD"}`,
    "#EXT-X-I-FRAMES-ONLY",
  ];
  let previous = -1;
  entries.forEach(({ segment, uri }, i) => {
    if (!(segment.keyframeBytes! > 0)) return;
    // A skipped segment leaves a hole in the timeline too.
    if (previous >= 0 && (segment.discontinuity || previous !== i - 1)) lines.push("#EXT-X-DISCONTINUITY");
    previous = i;
    // Every entry carries its wall-clock time: a page lays the pictures out on its timeline with it.
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(segment.startMs)}`);
    // An I-frame lasts until the next one listed: the segment's duration (one entry per segment).
    lines.push(`#EXTINF:${(segment.durationMs / 1000).toFixed(3)},`, `#EXT-X-BYTERANGE:${segment.keyframeBytes}@0`, uri);
  });
  if (!options.live) lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
