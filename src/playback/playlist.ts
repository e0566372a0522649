// Writes an HLS media playlist (RFC 8216) for recorded segments.
import type { RecordedSegment } from "./recordings.js";
import { formatMediaPlaylist, type MediaPlaylistEntry } from "../media-playlist.js";

export interface PlaylistEntry {
  segment: RecordedSegment;
  /** Where the player fetches the segment: a presigned URL or a URL of our server (relative is fine). */
  uri: string;
  /** fMP4 segments: where the player fetches its init segment (EXT-X-MAP). */
  initUri?: string;
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

/**
 * A TS segment's own initialization section (RFC 8216 §3.2): its first two packets, PAT and PMT (the core starts
 * every segment with them). Named as its EXT-X-MAP where a TS segment follows fMP4 ones, since an EXT-X-MAP
 * applies to every segment after it until the next.
 */
const TS_INIT_SECTION = `${2 * 188}@0`;

export function buildPlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  let mapInForce: string | undefined; // the init key (fMP4), or the URI of the TS segment whose PAT/PMT is the map
  let previousFmp4 = false;
  const lines = entries.map(({ segment, uri, initUri }, i): MediaPlaylistEntry => {
    const line: MediaPlaylistEntry = {
      uri,
      duration: seconds(segment.durationMs),
      discontinuity: i > 0 && segment.discontinuity,
      programDateTime: i === 0 || segment.discontinuity ? programDateTime(segment.startMs) : undefined,
    };
    if (segment.initKey !== undefined) {
      // fMP4: a new EXT-X-MAP wherever the init segment changes (a new session, or new parameter sets).
      if (initUri === undefined) throw new Error(`no init segment URI for ${segment.key}`);
      if (mapInForce !== segment.initKey) line.map = initUri;
      mapInForce = segment.initKey;
    } else if (mapInForce !== undefined && (previousFmp4 || segment.discontinuity)) {
      // TS after fMP4 in one playlist: the fMP4 map would still apply, so it gets its own PAT/PMT as its map.
      line.map = uri;
      line.mapByteRange = TS_INIT_SECTION;
      mapInForce = uri;
    }
    previousFmp4 = segment.initKey !== undefined;
    return line;
  });
  return formatMediaPlaylist(lines, { type: options.live ? "EVENT" : "VOD", emptyTargetDuration: DEFAULT_TARGET_DURATION_S });
}
