// The Node writer of HLS media playlists (RFC 8216): `ipc-hls mux`'s VOD playlist (src/vod-playlist.ts), the
// playback range playlists and the I-frame playlist (src/playback/). The target-duration rule is written here;
// the WASI command's writer (assembly/wasi-playlist.ts) follows the same rule: test/playlist-writers.test.ts judges
// both on the same durations, and test/wasi-command.test.ts checks that it writes the same bytes as `ipc-hls mux`.

export interface MediaPlaylistEntry {
  uri: string;
  /** The EXTINF value as written: seconds with a fixed number of decimals. */
  duration: string;
  /** An EXT-X-DISCONTINUITY goes before this entry (the caller decides: never before the first). */
  discontinuity?: boolean;
  /** EXT-X-PROGRAM-DATE-TIME for this entry. */
  programDateTime?: string;
  /** EXT-X-BYTERANGE ("length@offset"): the entry is that part of the resource (needs version 4). */
  byteRange?: string;
  /** EXT-X-MAP URI: the fMP4 init segment this entry and the ones after it need (given where it changes). */
  map?: string;
  /** EXT-X-MAP BYTERANGE ("length@offset"): the init section is that part of `map`'s resource. */
  mapByteRange?: string;
}

export interface MediaPlaylistOptions {
  /** VOD: complete, with EXT-X-ENDLIST. EVENT: may still grow, no EXT-X-ENDLIST (the player reloads it). */
  type: "VOD" | "EVENT";
  /** An I-frame playlist (EXT-X-I-FRAMES-ONLY, version 4; 5 with EXT-X-MAP) instead of one of whole independent segments. */
  iFramesOnly?: boolean;
  /** EXT-X-TARGETDURATION when there is no entry (for a live playlist: how often the player reloads). Default 1. */
  emptyTargetDuration?: number;
}

/**
 * EXT-X-TARGETDURATION (RFC 8216 §4.3.3.1): the smallest whole number of seconds that no EXTINF, rounded to the
 * nearest integer (halves up), exceeds; at least 1.
 */
export function targetDuration(durations: readonly string[], whenEmpty = 1): number {
  if (durations.length === 0) return whenEmpty;
  return Math.max(1, ...durations.map((d) => Math.round(Number(d))));
}

export function formatMediaPlaylist(entries: readonly MediaPlaylistEntry[], options: MediaPlaylistOptions): string {
  // EXT-X-BYTERANGE and EXT-X-I-FRAMES-ONLY need version 4; EXT-X-MAP needs 6 (5 in an I-frame playlist).
  const maps = entries.some((e) => e.map !== undefined);
  const version = maps ? (options.iFramesOnly ? 5 : 6) : options.iFramesOnly ? 4 : 3;
  const lines = [
    "#EXTM3U",
    `#EXT-X-VERSION:${version}`,
    `#EXT-X-TARGETDURATION:${targetDuration(entries.map((e) => e.duration), options.emptyTargetDuration)}`,
    "#EXT-X-MEDIA-SEQUENCE:0",
    `#EXT-X-PLAYLIST-TYPE:${options.type}`,
    // Every segment starts with SPS, PPS and an IDR (the core cuts only there).
    options.iFramesOnly ? "#EXT-X-I-FRAMES-ONLY" : "#EXT-X-INDEPENDENT-SEGMENTS",
  ];
  for (const e of entries) {
    if (e.discontinuity) lines.push("#EXT-X-DISCONTINUITY");
    if (e.map !== undefined) lines.push(`#EXT-X-MAP:URI="${e.map}"` + (e.mapByteRange === undefined ? "" : `,BYTERANGE="${e.mapByteRange}"`));
    if (e.programDateTime !== undefined) lines.push(`#EXT-X-PROGRAM-DATE-TIME:${e.programDateTime}`);
    lines.push(`#EXTINF:${e.duration},`);
    if (e.byteRange !== undefined) lines.push(`#EXT-X-BYTERANGE:${e.byteRange}`);
    lines.push(e.uri);
  }
  if (options.type === "VOD") lines.push("#EXT-X-ENDLIST");
  return lines.join("\n") + "\n";
}
