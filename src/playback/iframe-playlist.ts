// Writes an I-frame playlist (RFC 8216 §4.3.3.6 EXT-X-I-FRAMES-ONLY) for recorded segments: one entry per segment,
// its first picture, as the byte range the key announces (keyframeBytes), so a player can scrub by fetching
// pictures instead of whole segments. TS: PAT, PMT and the IDR's PES. fMP4: the moof, the mdat header and the
// samples up to the end of the first video sample, read with the init segment named by EXT-X-MAP (the range leaves
// the init out, as §4.3.3.6 asks; an EXT-X-MAP in an I-frame playlist needs version 5). Segments whose key has no
// keyframeBytes (older layout, other tools) are left out.
import { MapsInForce, programDateTime, seconds, type PlaylistEntry, type PlaylistOptions } from "./playlist.js";
import { formatMediaPlaylist, type MediaPlaylistEntry } from "../media-playlist.js";

export function buildIframePlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const lines: MediaPlaylistEntry[] = [];
  const maps = new MapsInForce();
  let previous = -1;
  entries.forEach((entry, i) => {
    const { segment, uri } = entry;
    if (!(segment.keyframeBytes! > 0)) return;
    // A skipped segment leaves a hole in the timeline too.
    const discontinuity = previous >= 0 && (segment.discontinuity || previous !== i - 1);
    lines.push({
      uri,
      // An I-frame lasts until the next one listed: the segment's duration (one entry per segment).
      duration: seconds(segment.durationMs),
      discontinuity,
      // Every entry carries its wall-clock time: a page lays the pictures out on its timeline with it.
      programDateTime: programDateTime(segment.startMs),
      byteRange: `${segment.keyframeBytes}@0`,
      ...maps.next(entry, discontinuity),
    });
    previous = i;
  });
  return formatMediaPlaylist(lines, { type: options.live ? "EVENT" : "VOD", iFramesOnly: true });
}
