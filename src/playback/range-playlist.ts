// The playback library function: a time range of one camera → an HLS playlist.
import { buildPlaylist, type PlaylistEntry, type PlaylistOptions } from "./playlist.js";
import { findSegments, type Lister, type RecordedSegment } from "./recordings.js";
import type { TimeRange } from "./time-range.js";

export interface RangePlaylistOptions {
  store: Lister;
  /** The camera's key prefix, e.g. "recordings/cam1" (the SDK's `prefix`). */
  prefix: string;
  range: TimeRange;
  /** The URI the player should fetch a segment from: presigned URL or server URL. */
  segmentUri: (segment: RecordedSegment) => string | Promise<string>;
  /**
   * The URI of an fMP4 init segment (key from `segment.initKey`), asked once per init segment. Default: segmentUri
   * of the segment with the init's key (presigning or a server path work the same for both).
   */
  initUri?: (initKey: string, segment: RecordedSegment) => string | Promise<string>;
  /** The present, ms since the epoch; a range ending after it gives a live (EVENT) playlist. */
  now?: number;
  signal?: AbortSignal;
  /** Writes the playlist: a media playlist (default) or another kind, e.g. buildIframePlaylist. */
  build?: (entries: readonly PlaylistEntry[], options: PlaylistOptions) => string;
}

export interface RangePlaylist {
  playlist: string;
  segments: RecordedSegment[];
  live: boolean;
}

export async function rangePlaylist(options: RangePlaylistOptions): Promise<RangePlaylist> {
  const segments = await findSegments(options.store, options.prefix, options.range, options.signal);
  const live = options.range.endMs > (options.now ?? Date.now());
  const uris = await Promise.all(segments.map((s) => options.segmentUri(s)));
  const initUri = options.initUri ?? ((key: string, segment: RecordedSegment) => options.segmentUri({ ...segment, key }));
  const initUris = new Map<string, string | Promise<string>>();
  for (const s of segments) if (s.initKey !== undefined && !initUris.has(s.initKey)) initUris.set(s.initKey, initUri(s.initKey, s));
  const resolved = new Map(await Promise.all([...initUris].map(async ([key, uri]) => [key, await uri] as const)));
  const entries = segments.map((segment, i) => ({ segment, uri: uris[i]!, initUri: segment.initKey === undefined ? undefined : resolved.get(segment.initKey) }));
  const playlist = (options.build ?? buildPlaylist)(entries, { live });
  return { playlist, segments, live };
}
