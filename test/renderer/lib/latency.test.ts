import { describe, expect, test } from 'vitest';
import { isolatedIndices, latencyColumns, rangeQuery, summarizeLatency, throughputBasis, throughputColumns } from '../../../renderer/lib/latency.js';

const point = (t: number, count: number, errors: number, p: [number, number, number] | null) =>
  ({ t, count, errors, p50: p?.[0] ?? null, p95: p?.[1] ?? null, p99: p?.[2] ?? null, rps: count / 60 });

describe('latency', () => {
  test('ranges ask for steps the API accepts (multiples of 60 s) and a bounded number of points', () => {
    const now = 1_800_000_000_000;
    for (const range of ['1h', '24h', '7d', '30d'] as const) {
      const q = rangeQuery(range, now);
      expect(q.to).toBe(now);
      expect(q.step % 60).toBe(0);
      expect((q.to - q.from) / (q.step * 1000)).toBeLessThanOrEqual(200);
    }
    expect(rangeQuery('24h', now)).toEqual({ from: now - 86_400_000, to: now, step: 600 });
  });

  test('summary totals requests and errors and weights percentiles by successful requests', () => {
    const s = summarizeLatency([point(0, 10, 0, [1, 2, 3]), point(60_000, 0, 0, null), point(120_000, 40, 10, [4, 8, 12])], 60);
    expect(s.requests).toBe(50);
    expect(s.errors).toBe(10);
    expect(s.errorRate).toBe(0.2);
    // Two of the three minutes saw requests: the rate is over those, not the whole range.
    expect(s.rps).toBeCloseTo(50 / 120);
    expect(s.busySeconds).toBe(120);
    // (1×10 + 4×30) / 40
    expect(s.p50).toBe(3.25);
    expect(s.p95).toBe(6.5);
    expect(s.p99).toBe(9.75);
  });

  test('the mean throughput says what it is taken over: a burst in one 10-min step reads as 10 min of it', () => {
    // 200 requests sent in two seconds, as the 24-hour range sees them.
    const s = summarizeLatency([point(0, 0, 0, null), point(600_000, 200, 0, [0.6, 1, 3])], 600);
    expect(s.rps).toBeCloseTo(200 / 600);
    expect(throughputBasis(s)).toBe('over 10 min with requests');
    expect(throughputBasis(summarizeLatency([point(0, 10, 0, [1, 2, 3]), point(120_000, 5, 0, [1, 2, 3])], 60))).toBe('over 2 min with requests');
    expect(throughputBasis(summarizeLatency([point(0, 0, 0, null)], 60))).toBe('');
  });

  test('an empty range has no rate and no percentiles', () => {
    expect(summarizeLatency([point(0, 0, 0, null)], 60)).toEqual({ requests: 0, errors: 0, errorRate: null, rps: 0, busySeconds: 0, p50: null, p95: null, p99: null });
  });

  test('chart columns are in seconds with nulls kept as gaps', () => {
    const pts = [point(60_000, 6, 0, [1, 2, 3]), point(120_000, 0, 0, null)];
    expect(latencyColumns(pts)).toEqual([[60, 120], [1, null], [2, null], [3, null]]);
    expect(throughputColumns([point(60_000, 6, 3, [1, 2, 3])], 60)).toEqual([[60], [0.1], [0.05]]);
  });

  test('lone values between gaps are marked so the chart can draw a dot', () => {
    expect(isolatedIndices([null, 5, null, 1, 2, null, 3])).toEqual([1, 6]);
    expect(isolatedIndices([7])).toEqual([0]);
    expect(isolatedIndices([1, 2])).toEqual([]);
  });
});
