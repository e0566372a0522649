// Time ranges for playback: parsing the user's times and choosing the hour folders a range touches.
import { hourPrefix } from "../keys.js";

export interface TimeRange {
  /** Inclusive start, ms since the epoch (UTC). */
  startMs: number;
  /** Exclusive end, ms since the epoch (UTC). */
  endMs: number;
}

export class InvalidTimeError extends Error {
  override name = "InvalidTimeError";
}

const HOUR_MS = 3_600_000;

/**
 * A segment can start before the range and still overlap it. Segments are cut at the first IDR after the target
 * duration, so they are seconds long; we look this far back for them (one more hour folder at most).
 */
export const MAX_SEGMENT_MS = 60_000;

// A date-time must carry its zone ("Z" or "+08:00"): a server must not guess which local time the caller meant.
const ISO_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** Parses an ISO 8601 time with a zone ("2026-11-25T19:00:00Z"), a UTC date ("2026-11-25") or epoch milliseconds. */
export function parseTime(text: string, what = "time"): number {
  const trimmed = text.trim();
  let ms = Number.NaN;
  if (/^\d{1,15}$/.test(trimmed)) ms = Number(trimmed);
  else if (ISO_RE.test(trimmed) && isCalendarDate(trimmed)) ms = Date.parse(trimmed);
  if (!Number.isFinite(ms) || ms < 0 || ms > 253402300799999) {
    throw new InvalidTimeError(
      `bad ${what} ${JSON.stringify(text)}: give an ISO 8601 time with a zone (2026-11-25T19:00:00Z) or epoch milliseconds`,
    );
  }
  return ms;
}

/** Date.parse rolls "2026-02-30" over to March 2nd; a date the calendar does not have is a mistake. */
function isCalendarDate(text: string): boolean {
  const [y, m, d] = text.slice(0, 10).split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Checks start < end and the length bound; returns the range. */
export function checkRange(startMs: number, endMs: number, maxMs: number): TimeRange {
  if (!(endMs > startMs)) throw new InvalidTimeError("the end must be after the start");
  if (endMs - startMs > maxMs) {
    throw new InvalidTimeError(`the range is too long: at most ${maxMs / HOUR_MS} hours`);
  }
  return { startMs, endMs };
}

/** The hour folders ("<prefix>/YYYY/MM/DD/HH/") that can hold segments overlapping the range, oldest first. */
export function hourPrefixesFor(prefix: string, range: TimeRange): string[] {
  const first = Math.floor((range.startMs - MAX_SEGMENT_MS) / HOUR_MS) * HOUR_MS;
  const prefixes: string[] = [];
  for (let hour = first; hour < range.endMs; hour += HOUR_MS) prefixes.push(hourPrefix(prefix, hour));
  return prefixes;
}
