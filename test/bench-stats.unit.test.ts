import { cdf, missingAndDuplicates, percentile, rate, ratio, round, summarize } from '../bench/stats';

/** The benchmark's statistics (bench/stats.ts): pure functions, checked on values worked out by hand. */
describe('bench statistics', () => {
  test('percentiles interpolate between the closest ranks', () => {
    const v = [10, 20, 30, 40, 50];
    expect(percentile(v, 0)).toBe(10);
    expect(percentile(v, 0.5)).toBe(30);
    expect(percentile(v, 1)).toBe(50);
    expect(percentile(v, 0.95)).toBeCloseTo(48, 10);
    expect(percentile([5, 1, 3], 0.5)).toBe(3);
    expect(percentile([7], 0.99)).toBe(7);
    expect(percentile([], 0.5)).toBeNaN();
    expect(() => percentile(v, 1.5)).toThrow(RangeError);
  });

  test('a summary of 1..100', () => {
    const s = summarize(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(s).toMatchObject({ n: 100, min: 1, max: 100, mean: 50.5 });
    expect(s.p50).toBeCloseTo(50.5, 10);
    expect(s.p95).toBeCloseTo(95.05, 10);
    expect(s.p99).toBeCloseTo(99.01, 10);
    expect(summarize([]).n).toBe(0);
    expect(summarize([]).p95).toBeNaN();
  });

  test('rates, ratios and rounding', () => {
    expect(rate(50, 2000)).toBe(25);
    expect(rate(1, 0)).toBeNaN();
    expect(ratio(30, 60)).toBe(0.5);
    expect(ratio(1, 0)).toBeNaN();
    expect(round(1.23456, 2)).toBe(1.23);
    expect(round(Number.NaN)).toBeNull();
  });

  test('the empirical CDF ends at 1 and never falls', () => {
    const points = cdf(Array.from({ length: 1000 }, (_, i) => 1000 - i), 50);
    expect(points.length).toBeLessThanOrEqual(52);
    expect(points[points.length - 1]).toEqual([1000, 1]);
    for (let i = 1; i < points.length; i++) expect(points[i]![1]).toBeGreaterThanOrEqual(points[i - 1]![1]);
  });

  test('missing and duplicate keys', () => {
    expect(missingAndDuplicates(['a', 'b', 'c'], ['a', 'a', 'b', 'x', 'x', 'x'])).toEqual({ missing: 1, duplicates: 3 });
    expect(missingAndDuplicates(['a'], ['a'])).toEqual({ missing: 0, duplicates: 0 });
  });
});
