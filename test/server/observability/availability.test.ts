import { describe, expect, it } from 'vitest';
import { coveredMs, windowReport, WINDOWS } from '../../../server/observability/availability.js';

describe('availability from up intervals', () => {
  it('counts overlapping intervals once and clips them to the window', () => {
    const intervals = [{ start: 0, end: 100 }, { start: 50, end: 150 }, { start: 300, end: 400 }];
    expect(coveredMs(intervals, 0, 1000)).toBe(250);
    expect(coveredMs(intervals, 120, 350)).toBe(80);
    expect(coveredMs([], 0, 1000)).toBe(0);
  });

  it('counts a window that reaches back before tracking began only from then', () => {
    const day = WINDOWS['24h'];
    const since = 1_000_000;
    const now = since + 3_600_000;
    const r = windowReport([{ start: since, end: since + 1_800_000 }, { start: since + 2_700_000, end: now }], since, now, day, 0.999);
    expect(r.observedSeconds).toBe(3600);
    expect(r.downSeconds).toBe(900);
    expect(r.availability).toBeCloseTo(0.75, 12);
    expect(r.budgetSeconds).toBeCloseTo(3.6, 9);
    expect(r.budgetLeftSeconds).toBeCloseTo(3.6 - 900, 9);
  });

  it('uses the whole window once tracking is older than it', () => {
    const now = 10 * WINDOWS['24h'];
    const r = windowReport([{ start: 0, end: now - 864_000 }], 0, now, WINDOWS['24h'], 0.99);
    expect(r.observedSeconds).toBe(86_400);
    expect(r.downSeconds).toBe(864);
    expect(r.availability).toBeCloseTo(0.99, 12);
    expect(r.budgetLeftSeconds).toBeCloseTo(0, 6);
  });

  it('reports no availability before anything was observed', () => {
    const r = windowReport([], null, 5000, WINDOWS['7d'], 0.999);
    expect(r).toEqual({ availability: null, observedSeconds: 0, downSeconds: 0, budgetSeconds: 0, budgetLeftSeconds: 0 });
  });
});
