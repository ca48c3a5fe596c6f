import { describe, expect, it } from 'vitest';
import { latencySummary, median, percentileSorted, roundRatios, SampleBuffer, spread } from '../../bench/stats.js';

describe('median and spread', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(3.5);
    expect(median([])).toBeNaN();
  });

  it('ignores values that are not finite', () => {
    expect(median([Number.NaN, 2, 8, Number.POSITIVE_INFINITY])).toBe(5);
    expect(spread([3, Number.NaN, 1, 2])).toEqual({ median: 2, min: 1, max: 3, n: 3 });
    expect(spread([]).n).toBe(0);
  });
});

describe('percentiles', () => {
  it('uses the nearest rank', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentileSorted(sorted, 50)).toBe(50);
    expect(percentileSorted(sorted, 99)).toBe(99);
    expect(percentileSorted(sorted, 100)).toBe(100);
    expect(percentileSorted([7], 99)).toBe(7);
    expect(percentileSorted([], 50)).toBeNaN();
  });

  it('summarizes unsorted samples numerically, not as text', () => {
    const s = latencySummary(Float64Array.from([10, 9, 0.5, 100, 2]));
    expect(s.p50).toBe(9);
    expect(s.p99).toBe(100);
    expect(s.mean).toBeCloseTo(24.3, 10);
  });
});

describe('roundRatios', () => {
  it('divides measurements of the same round and skips rounds it cannot divide', () => {
    expect(roundRatios([200, 300, 100], [100, 0, 50])).toEqual([2, 2]);
    expect(roundRatios([10, 20, 30], [5, 10])).toEqual([2, 2]);
    expect(roundRatios([Number.NaN], [1])).toEqual([]);
  });
});

describe('SampleBuffer', () => {
  it('keeps every sample as it grows past its first allocation', () => {
    const b = new SampleBuffer();
    for (let i = 0; i < 10_000; i++) b.push(i / 2);
    const v = b.values();
    expect(b.length).toBe(10_000);
    expect(v.length).toBe(10_000);
    expect(v[0]).toBe(0);
    expect(v[4096]).toBe(2048);
    expect(v[9_999]).toBe(4999.5);
  });
});
