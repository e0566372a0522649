// From a store listing to the recorded timeline of one camera: which segments cover a range, where the gaps are.
import { initKeyOf, parseSegmentKey, type InitRef } from "../keys.js";
import type { ListedObject } from "../store/types.js";
import { hourPrefixesFor, type TimeRange } from "./time-range.js";

/** What playback needs from a store: a listing. Both ObjectStore implementations provide it. */
export interface Lister {
  list(prefix: string, signal?: AbortSignal): Promise<ListedObject[]>;
}

export interface RecordedSegment {
  key: string;
  size: number;
  startMs: number;
  durationMs: number;
  session: string;
  seq: number;
  /** Leading bytes that hold the segment's first picture (from the key; absent in keys of the earlier layout). */
  keyframeBytes?: number;
  /** fMP4 segments (".m4s" keys): the init segment they need, and its key. TS segments have neither. */
  init?: InitRef;
  initKey?: string;
  /** True when the timeline does not continue from the previous segment: a new session, a gap/overlap, or a new init segment. */
  discontinuity: boolean;
}

/** A stretch of recording without gaps. */
export interface RecordedSpan {
  startMs: number;
  endMs: number;
  segments: number;
}

/**
 * How far a segment may start from where the previous one ended and still count as continuous. The key stores the
 * start floored to the millisecond and the duration rounded to the millisecond, so a continuous recording is off by
 * under 2 ms per boundary; one lost frame at 60 fps is 16.7 ms. 10 ms separates the two.
 */
export const CONTINUITY_TOLERANCE_MS = 10;

/** Lists the hour folders the range touches (a few at a time) and returns the overlapping segments in time order. */
export async function findSegments(
  store: Lister,
  cameraPrefix: string,
  range: TimeRange,
  signal?: AbortSignal,
): Promise<RecordedSegment[]> {
  const prefixes = hourPrefixesFor(cameraPrefix, range);
  const listings: ListedObject[][] = new Array(prefixes.length);
  let next = 0;
  const worker = async () => {
    while (next < prefixes.length) {
      const i = next++;
      listings[i] = await store.list(prefixes[i], signal);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, prefixes.length) }, worker));
  const segments: Omit<RecordedSegment, "discontinuity">[] = [];
  for (const object of listings.flat()) {
    const fields = parseSegmentKey(object.key);
    // Only keys of this camera's layout count; anything else in the folder (notes, thumbnails) is ignored.
    if (!fields || fields.prefix !== cameraPrefix || fields.durationMs <= 0) continue;
    if (fields.startMs < range.endMs && fields.startMs + fields.durationMs > range.startMs) {
      segments.push({ key: object.key, size: object.size, ...fields, ...(fields.init ? { initKey: initKeyOf(fields) } : {}) });
    }
  }
  return markDiscontinuities(segments);
}

/** Sorts by start time and marks every segment that does not continue the previous one. */
export function markDiscontinuities(segments: Omit<RecordedSegment, "discontinuity">[]): RecordedSegment[] {
  const sorted = [...segments].sort(
    (a, b) => a.startMs - b.startMs || (a.session < b.session ? -1 : a.session > b.session ? 1 : a.seq - b.seq),
  );
  return sorted.map((segment, i) => {
    const previous = sorted[i - 1];
    const discontinuity =
      previous === undefined ||
      previous.session !== segment.session ||
      previous.initKey !== segment.initKey || // (new parameter sets, or another container: a new EXT-X-MAP)
      Math.abs(segment.startMs - (previous.startMs + previous.durationMs)) > CONTINUITY_TOLERANCE_MS;
    return { ...segment, discontinuity };
  });
}

/** Groups continuous segments into spans, for drawing a timeline with its gaps. */
export function spansOf(segments: readonly RecordedSegment[]): RecordedSpan[] {
  const spans: RecordedSpan[] = [];
  for (const segment of segments) {
    const last = spans[spans.length - 1];
    const end = segment.startMs + segment.durationMs;
    if (last && !segment.discontinuity) {
      last.endMs = Math.max(last.endMs, end);
      last.segments++;
    } else {
      spans.push({ startMs: segment.startMs, endMs: end, segments: 1 });
    }
  }
  return spans;
}
