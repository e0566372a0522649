// "did you mean ...?" for a misspelt name: the known name it abbreviates, else the nearest one by edit distance
// when it is close enough to be a typo (at most a third of its letters differ).

/** The allowed name `key` abbreviates, else the nearest by edit distance (ignoring case) if close enough to be a typo. */
export function closestName(key: string, allowed: readonly string[]): string | undefined {
  const abbreviated = allowed.find((name) => key.length >= 3 && name.toLowerCase().startsWith(key.toLowerCase()));
  if (abbreviated) return abbreviated;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const name of allowed) {
    const d = editDistance(key.toLowerCase(), name.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [name, d];
  }
  return bestDistance <= Math.max(1, Math.floor((best?.length ?? 0) / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = row;
  }
  return previous[b.length]!;
}
