import { afterEach, describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../../../server/observability/buckets.js';
import { LatencyRecorder } from '../../../server/observability/latency.js';
import { manualClock, tempDb } from './helpers.js';

const HOUR = Date.UTC(2024, 0, 1, 12, 0, 0);
const MIN = 60_000;

describe('latency history', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => { for (const c of cleanups.splice(0)) c(); });
  const setup = (retentionDays = 30) => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const clock = manualClock(HOUR);
    return { ...t, clock, rec: new LatencyRecorder(t.db, { retentionDays, now: clock.now }) };
  };

  it('flushes finished minutes with count, errors and percentiles, and answers the live minute from memory', () => {
    const { db, clock, rec } = setup();
    for (const s of [0.010, 0.020, 0.030]) rec.record('m', 1, s, true);
    rec.record('m', 1, 0.001, false);
    clock.set(HOUR + MIN + 1000);
    rec.record('m', 1, 0.100, true);
    rec.record('m', 1, 0.200, true);
    clock.set(HOUR + 2 * MIN + 5000);
    expect(rec.flush()).toBe(2);
    rec.record('m', 1, 0.050, true);

    const rows = db.prepare('SELECT minute, count, errors, p50_ms FROM latency_minutes ORDER BY minute').all() as
      { minute: number; count: number; errors: number; p50_ms: number }[];
    expect(rows.map((r) => [r.minute, r.count, r.errors])).toEqual([[HOUR, 4, 1], [HOUR + MIN, 2, 0]]);
    expect(rows[0].p50_ms).toBeGreaterThan(15);
    expect(rows[0].p50_ms).toBeLessThan(25);

    const points = rec.query({ model: 'm', version: 1, from: HOUR, to: HOUR + 3 * MIN, stepS: 60 });
    expect(points.map((p) => [p.t, p.count, p.errors])).toEqual([[HOUR, 4, 1], [HOUR + MIN, 2, 0], [HOUR + 2 * MIN, 1, 0]]);
    expect(points[0].rps).toBeCloseTo(4 / 60, 12);
    expect(points[2].p50).toBeGreaterThan(40);
    expect(points[2].p50).toBeLessThan(62.5);
    const p = points[1];
    expect(p.p50 as number).toBeLessThanOrEqual(p.p95 as number);
    expect(p.p95 as number).toBeLessThanOrEqual(p.p99 as number);
  });

  it('merges minutes into coarser steps from their histograms, exactly as if recorded together', () => {
    const { clock, rec } = setup();
    const samples = [[0.004, 0.005, 0.5], [0.03, 0.031], [0.2, 0.0007, 0.9, 0.09]];
    const reference = new LatencyHistogram();
    samples.forEach((minute, i) => {
      clock.set(HOUR + i * MIN);
      for (const s of minute) { rec.record('m', 2, s, true); reference.observe(s); }
    });
    rec.record('m', 2, 1, false);
    clock.set(HOUR + 10 * MIN);
    rec.flush();
    const [point, ...rest] = rec.query({ model: 'm', version: 2, from: HOUR, to: HOUR + 10 * MIN, stepS: 300 });
    expect(rest).toHaveLength(1);
    expect(rest[0].count).toBe(0);
    expect(rest[0].p50).toBeNull();
    expect(point.count).toBe(10);
    expect(point.errors).toBe(1);
    expect(point.rps).toBeCloseTo(10 / 300, 12);
    const ms = (q: number) => Math.round((reference.quantile(q) as number) * 1e6) / 1e3;
    expect([point.p50, point.p95, point.p99]).toEqual([ms(0.5), ms(0.95), ms(0.99)]);
  });

  it('merges versions when none is named, and keeps other models out', () => {
    const { rec } = setup();
    rec.record('m', 1, 0.01, true);
    rec.record('m', 2, 0.01, true);
    rec.record('m', 2, 0.01, false);
    rec.record('other', 1, 0.01, true);
    const [all] = rec.query({ model: 'm', from: HOUR, to: HOUR + MIN, stepS: 60 });
    expect([all.count, all.errors]).toEqual([3, 1]);
    const [v2] = rec.query({ model: 'm', version: 2, from: HOUR, to: HOUR + MIN, stepS: 60 });
    expect([v2.count, v2.errors]).toEqual([2, 1]);
  });

  it('adds to a minute a previous run already stored (a restart within the minute)', () => {
    const { clock, rec, reopen } = setup();
    rec.record('m', 1, 0.01, true);
    rec.flush(true);
    const second = new LatencyRecorder(reopen(), { now: clock.now });
    second.record('m', 1, 0.02, true);
    second.record('m', 1, 0.02, false);
    second.flush(true);
    const [p] = second.query({ model: 'm', version: 1, from: HOUR, to: HOUR + MIN, stepS: 60 });
    expect([p.count, p.errors]).toEqual([3, 1]);
  });

  it('prunes rows older than the retention when it flushes', () => {
    const { db, clock, rec } = setup(1);
    rec.record('m', 1, 0.01, true);
    clock.advance(MIN);
    rec.flush();
    clock.advance(12 * 3_600_000);
    rec.record('m', 1, 0.01, true);
    clock.advance(MIN);
    rec.flush();
    const count = () => (db.prepare('SELECT COUNT(*) AS n FROM latency_minutes').get() as { n: number }).n;
    expect(count()).toBe(2);
    clock.advance(13 * 3_600_000);
    rec.flush();
    const left = db.prepare('SELECT minute FROM latency_minutes').all() as { minute: number }[];
    expect(left.map((r) => r.minute)).toEqual([HOUR + MIN + 12 * 3_600_000]);
  });
});
