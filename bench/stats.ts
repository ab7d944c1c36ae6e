/**
 * Pure statistics for the benchmark: percentiles, summaries, rates and
 * ratios. No I/O, so test/bench-stats.unit.test.ts checks it without any server.
 */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * The q-quantile (0..1) of the values by linear interpolation between the
 * closest ranks (the "R-7" rule of R and NumPy's default). NaN for no values.
 */
export function percentile(values: readonly number[], q: number): number {
  if (q < 0 || q > 1 || Number.isNaN(q)) throw new RangeError(`quantile ${q} is not within 0..1`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return quantileOfSorted(sorted, q);
}

function quantileOfSorted(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (pos - lo);
}

/** n, min, p50, p95, p99, max and mean of the values (all NaN but n for none). */
export function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { n: 0, min: Number.NaN, p50: Number.NaN, p95: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((s, v) => s + v, 0);
  return {
    n: sorted.length,
    min: sorted[0] as number,
    p50: quantileOfSorted(sorted, 0.5),
    p95: quantileOfSorted(sorted, 0.95),
    p99: quantileOfSorted(sorted, 0.99),
    max: sorted[sorted.length - 1] as number,
    mean: sum / sorted.length,
  };
}

/** Events per second: `count` done in `elapsedMs`. */
export function rate(count: number, elapsedMs: number): number {
  if (elapsedMs <= 0) return Number.NaN;
  return (count * 1000) / elapsedMs;
}

/** value / baseline, NaN when the baseline is zero or missing. */
export function ratio(value: number, baseline: number): number {
  if (!Number.isFinite(value) || !Number.isFinite(baseline) || baseline === 0) return Number.NaN;
  return value / baseline;
}

/** Points of the empirical cumulative distribution, at most `points` of them, for charts: [value, fraction ≤ value]. */
export function cdf(values: readonly number[], points = 200): [number, number][] {
  if (values.length === 0) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(sorted.length / points));
  const out: [number, number][] = [];
  for (let i = 0; i < sorted.length; i += step) out.push([sorted[i] as number, (i + 1) / sorted.length]);
  const last = sorted[sorted.length - 1] as number;
  if (out[out.length - 1]?.[1] !== 1) out.push([last, 1]);
  return out;
}

/** Values rounded for the report: 3 significant decimals at most, NaN and infinities as null (JSON has no NaN). */
export function round(value: number, decimals = 2): number | null {
  if (!Number.isFinite(value)) return null;
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

/** A summary with every figure rounded, for the JSON file. */
export function roundSummary(s: Summary, decimals = 1): Record<keyof Summary, number | null> {
  return {
    n: s.n,
    min: round(s.min, decimals),
    p50: round(s.p50, decimals),
    p95: round(s.p95, decimals),
    p99: round(s.p99, decimals),
    max: round(s.max, decimals),
    mean: round(s.mean, decimals),
  };
}

/** Counts of how many times each key occurs more than once: the duplicates (extra occurrences) and the keys of `expected` never seen. */
export function missingAndDuplicates(expected: readonly string[], seen: readonly string[]): { missing: number; duplicates: number } {
  const counts = new Map<string, number>();
  for (const k of seen) counts.set(k, (counts.get(k) ?? 0) + 1);
  let duplicates = 0;
  for (const n of counts.values()) if (n > 1) duplicates += n - 1;
  let missing = 0;
  for (const k of new Set(expected)) if (!counts.has(k)) missing += 1;
  return { missing, duplicates };
}
