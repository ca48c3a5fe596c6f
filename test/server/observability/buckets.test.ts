import { describe, expect, it } from 'vitest';
import { BOUNDS_S, BUCKET_COUNT, bucketIndex, LatencyHistogram } from '../../../server/observability/buckets.js';

describe('the fixed latency buckets', () => {
  it('run from 10 µs to just past 60 s in steps of 1.25×, with one overflow bucket', () => {
    expect(BOUNDS_S[0]).toBeCloseTo(10e-6, 12);
    expect(BOUNDS_S[BOUNDS_S.length - 1]).toBeGreaterThanOrEqual(60);
    expect(BOUNDS_S[BOUNDS_S.length - 2]).toBeLessThan(60);
    for (let i = 1; i < BOUNDS_S.length; i++) expect(BOUNDS_S[i] / BOUNDS_S[i - 1]).toBeCloseTo(1.25, 9);
    expect(BUCKET_COUNT).toBe(BOUNDS_S.length + 1);
  });

  it('put a value on a bound in that bucket and a value just above it in the next', () => {
    expect(bucketIndex(0)).toBe(0);
    BOUNDS_S.forEach((b, i) => {
      expect(bucketIndex(b)).toBe(i);
      expect(bucketIndex(b * (1 + 1e-9))).toBe(i + 1);
    });
    expect(bucketIndex(3600)).toBe(BOUNDS_S.length);
  });

  it('estimate quantiles within one bucket width of the exact value', () => {
    const h = new LatencyHistogram();
    const samples = Array.from({ length: 1000 }, (_, i) => (i + 1) / 1000);
    for (const s of samples) h.observe(s);
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = samples[Math.ceil(q * samples.length) - 1];
      const estimate = h.quantile(q) as number;
      expect(Math.abs(estimate - exact) / exact).toBeLessThan(0.25);
    }
    expect(h.total).toBe(1000);
    expect(h.sumSeconds).toBeCloseTo(500.5, 6);
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
  });

  it('merge exactly: two merged halves equal one histogram of everything', () => {
    const whole = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    for (let i = 0; i < 500; i++) {
      const s = 0.0001 * 1.013 ** i;
      whole.observe(s);
      (i % 3 === 0 ? a : b).observe(s);
    }
    a.merge(b);
    expect(a.counts).toEqual(whole.counts);
    for (const q of [0.5, 0.95, 0.99]) expect(a.quantile(q)).toBe(whole.quantile(q));
  });

  it('round-trip through the stored sparse form and ignore malformed pairs', () => {
    const h = new LatencyHistogram();
    for (const s of [0.001, 0.001, 0.2, 75]) h.observe(s);
    const back = LatencyHistogram.fromSparse(JSON.parse(JSON.stringify(h.toSparse())), h.sumSeconds);
    expect(back.counts).toEqual(h.counts);
    expect(back.total).toBe(4);
    expect(LatencyHistogram.fromSparse([[999, 1], ['x', 2], [3, 1]]).total).toBe(1);
  });
});
