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

/**
 * Which EXT-X-MAP each listed entry needs, in order: the media playlists and the I-frame playlists follow one rule.
 * fMP4: a new map wherever the init segment changes (a new session, or new parameter sets). TS after fMP4 (or after
 * a TS map, at a discontinuity): the segment's own PAT/PMT, since the earlier map would still apply.
 */
export class MapsInForce {
  private inForce: string | undefined; // the init key (fMP4), or the URI of the TS segment whose PAT/PMT is the map
  private previousFmp4 = false;

  /** The map fields of the next entry listed; `discontinuity` is whether that entry follows a gap. */
  next({ segment, uri, initUri }: PlaylistEntry, discontinuity: boolean): Pick<MediaPlaylistEntry, "map" | "mapByteRange"> {
    const fmp4 = segment.initKey !== undefined;
    const previousFmp4 = this.previousFmp4;
    this.previousFmp4 = fmp4;
    if (fmp4) {
      if (initUri === undefined) throw new Error(`no init segment URI for ${segment.key}`);
      if (this.inForce === segment.initKey) return {};
      this.inForce = segment.initKey;
      return { map: initUri };
    }
    if (this.inForce === undefined || !(previousFmp4 || discontinuity)) return {};
    this.inForce = uri;
    return { map: uri, mapByteRange: TS_INIT_SECTION };
  }
}

export function buildPlaylist(entries: readonly PlaylistEntry[], options: PlaylistOptions): string {
  const maps = new MapsInForce();
  const lines = entries.map((entry, i): MediaPlaylistEntry => {
    const { segment, uri } = entry;
    return {
      uri,
      duration: seconds(segment.durationMs),
      discontinuity: i > 0 && segment.discontinuity,
      programDateTime: i === 0 || segment.discontinuity ? programDateTime(segment.startMs) : undefined,
      ...maps.next(entry, segment.discontinuity),
    };
  });
  return formatMediaPlaylist(lines, { type: options.live ? "EVENT" : "VOD", emptyTargetDuration: DEFAULT_TARGET_DURATION_S });
}
