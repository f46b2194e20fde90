/** Small statistics for the benchmarks: percentiles and sliding-window counts over arrival logs. */

/** The q-th percentile (0..100) of `values`, nearest-rank; NaN when empty. */
export function percentile(values: number[], q: number): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((q / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * The most arrivals inside any half-open window [t, t + windowMs): what a provider counting a sliding
 * window would see at its busiest moment. The busiest window always starts at an arrival.
 */
export function maxInWindow(arrivals: number[], windowMs: number): number {
  const t = [...arrivals].sort((a, b) => a - b);
  let best = 0;
  let end = 0;
  for (let start = 0; start < t.length; start++) {
    while (end < t.length && t[end] < t[start] + windowMs) end++;
    best = Math.max(best, end - start);
  }
  return best;
}

/**
 * Utilisation of a saturated sliding-window limit: under steady demand arrival i + limit reuses the slot
 * of arrival i, so windowMs ÷ the mean reuse gap is the achieved rate ÷ the limit (1.00 = every slot used
 * the moment it was allowed). Gaps shorter than the window would be quota violations (see maxInWindow).
 */
export function slotUtilisation(
  arrivals: number[],
  limit: number,
  windowMs: number,
): { utilisation: number; meanGapMs: number; samples: number } {
  const t = [...arrivals].sort((a, b) => a - b);
  const gaps: number[] = [];
  for (let i = 0; i + limit < t.length; i++) gaps.push(t[i + limit] - t[i]);
  const meanGapMs = gaps.reduce((a, b) => a + b, 0) / (gaps.length || 1);
  return { utilisation: gaps.length ? windowMs / meanGapMs : Number.NaN, meanGapMs, samples: gaps.length };
}

export const fmt = (n: number, digits = 2) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
export const mb = (bytes: number) => `${Math.round(bytes / 1024 / 1024)} MB`;
