import type { WindowReport } from '../api/types.js';

export type UptimeStatus = 'met' | 'at-risk' | 'missed' | 'no-data';

export const UPTIME_STATUS_TEXT: Record<UptimeStatus, string> = {
  met: 'On target',
  'at-risk': 'Budget nearly spent',
  missed: 'Below target',
  'no-data': 'Not enough data yet',
};

/**
 * Less observed time than this is not judged: right after a first start, a model's load would read
 * as "99.03 %, below target" over nine seconds. Five minutes against a 99.9 % target allow 0.3 s down.
 */
export const MIN_OBSERVED_SECONDS = 300;

/**
 * How a window stands against the target: missed once availability is below it, at risk once
 * less than a quarter of the error budget is left.
 */
export function uptimeStatus(w: WindowReport, target: number): UptimeStatus {
  if (w.availability === null || w.observedSeconds < MIN_OBSERVED_SECONDS) return 'no-data';
  if (w.availability < target) return 'missed';
  if (w.budgetSeconds > 0 && w.budgetLeftSeconds < w.budgetSeconds / 4) return 'at-risk';
  return 'met';
}

/** "99.9 %" for 0.999; the common names for targets the admin picks from. */
export const TARGET_CHOICES: readonly number[] = [0.99, 0.995, 0.999, 0.9995, 0.9999];
