// A VOD media playlist for a finished list of segments (RFC 8216): what `ipc-hls mux` writes next to them.

export interface PlaylistSegment {
  uri: string;
  /** Exact duration in 90 kHz ticks. */
  durationTicks: number;
  discontinuity?: boolean;
}

/** Seconds with six decimals, from 90 kHz ticks. */
export function extinf(ticks: number): string {
  return (ticks / 90000).toFixed(6);
}

export function formatVodPlaylist(segments: readonly PlaylistSegment[]): string {
  // EXT-X-TARGETDURATION: an integer that no EXTINF, rounded to the nearest integer, exceeds.
  const target = Math.max(1, ...segments.map((s) => Math.round(s.durationTicks / 90000)));
  const lines = [
    "#EXTM3U",
    "#EXT-X-VERSION:3",
    `#EXT-X-TARGETDURATION:${target}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    "#EXT-X-PLAYLIST-TYPE:VOD",
    "#EXT-X-INDEPENDENT-SEGMENTS",
  ];
  for (const s of segments) {
    if (s.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    lines.push(`#EXTINF:${extinf(s.durationTicks)},`, s.uri);
  }
  lines.push("#EXT-X-ENDLIST", "");
  return lines.join("\n");
}
