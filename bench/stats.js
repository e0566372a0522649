// @ts-check
// Medians and spread over repeated samples.
export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** { median, min, max, spreadPct }: spreadPct is (max - min) / median in percent. */
export function summary(values) {
  const med = median(values);
  const min = Math.min(...values);
  const max = Math.max(...values);
  return { median: med, min, max, spreadPct: med ? ((max - min) / med) * 100 : 0, n: values.length };
}
