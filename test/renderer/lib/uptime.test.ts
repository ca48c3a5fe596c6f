import { describe, expect, test } from 'vitest';
import { uptimeStatus } from '../../../renderer/lib/uptime.js';

const w = (availability: number | null, budgetSeconds: number, budgetLeftSeconds: number, observedSeconds = 86_400) =>
  ({ availability, observedSeconds, downSeconds: budgetSeconds - budgetLeftSeconds, budgetSeconds, budgetLeftSeconds });

describe('uptimeStatus', () => {
  test('met while availability is at or above target with budget to spare', () => {
    expect(uptimeStatus(w(1, 86.4, 86.4), 0.999)).toBe('met');
    expect(uptimeStatus(w(0.9995, 86.4, 43.2), 0.999)).toBe('met');
  });

  test('at risk once less than a quarter of the budget is left', () => {
    expect(uptimeStatus(w(0.99901, 86.4, 20), 0.999)).toBe('at-risk');
  });

  test('missed below the target', () => {
    expect(uptimeStatus(w(0.998, 86.4, -86.4), 0.999)).toBe('missed');
  });

  test('no data before anything was observed, nor before five minutes of it', () => {
    expect(uptimeStatus(w(null, 0, 0, 0), 0.999)).toBe('no-data');
    expect(uptimeStatus(w(0.99, 0.009, -0.08, 9), 0.999)).toBe('no-data');
    expect(uptimeStatus(w(0.99, 0.3, -2.7, 300), 0.999)).toBe('missed');
  });
});
