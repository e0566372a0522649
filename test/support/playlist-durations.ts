// The segment durations every media-playlist writer is judged on (test/media-playlist.test.ts for the Node writer,
// test/playlist-writers.test.ts for the WASI command's on the same numbers): the longest segment either side of a
// half second, and just over a whole one (where a ceiling would add a second), between a 1.8 s and a 1 s segment.
export const LONGEST_MS = [2000, 2040, 2499, 2500, 1001, 400, 3999];
export const segmentsMs = (longest: number) => [1800, longest, 1000];

/** RFC 8216 §4.3.3.1, and nothing larger than it needs: round(max EXTINF), halves up, at least 1. */
export function rfcTargetDuration(extinfSeconds: readonly number[]): number {
  return Math.max(1, ...extinfSeconds.map((d) => Math.round(d)));
}
