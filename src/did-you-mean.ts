// "did you mean --bucket?": the closest known name to a mistyped one, for one-line usage errors.

/** Levenshtein distance: insertions, deletions and substitutions of one character each. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

/**
 * The known name closest to `typed`: at most 2 edits away (1 for a typed name of one or two characters), or
 * one of the two a prefix of the other ("path" for "path-style"); undefined when nothing is that close.
 */
export function closestName(typed: string, known: readonly string[]): string | undefined {
  const limit = typed.length <= 2 ? 1 : 2;
  let best: { name: string; score: number } | undefined;
  for (const name of known) {
    const distance = editDistance(typed, name);
    const prefix = Math.min(typed.length, name.length) >= 2 && (name.startsWith(typed) || typed.startsWith(name));
    if (distance > limit && !prefix) continue;
    // A near spelling ranks before a prefix; among equals the first declared wins.
    const score = distance <= limit ? distance : limit + 1;
    if (!best || score < best.score) best = { name, score };
  }
  return best?.name;
}
