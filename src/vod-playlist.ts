// A VOD media playlist for a finished list of segments (RFC 8216): what `ipc-hls mux` writes next to them.
import { formatMediaPlaylist } from "./media-playlist.js";

export interface PlaylistSegment {
  uri: string;
  /** Exact duration in 90 kHz ticks. */
  durationTicks: number;
  discontinuity?: boolean;
  /** fMP4: the init segment's URI, on the first entry and where it changes. */
  map?: string;
}

/** Seconds with six decimals, from 90 kHz ticks. */
export function extinf(ticks: number): string {
  return (ticks / 90000).toFixed(6);
}

export function formatVodPlaylist(segments: readonly PlaylistSegment[]): string {
  const entries = segments.map((s) => ({ uri: s.uri, duration: extinf(s.durationTicks), discontinuity: s.discontinuity, map: s.map }));
  return formatMediaPlaylist(entries, { type: "VOD" });
}
