/** A stretch of time seen up, ms since the epoch. */
export interface Interval {
  start: number;
  end: number;
}

export const WINDOWS = { '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
export type WindowName = keyof typeof WINDOWS;

export interface WindowReport {
  /** Up time over observed time, 0 to 1; null when nothing has been observed in the window yet. */
  availability: number | null;
  /** Seconds of the window counted, from its start or from when tracking began if that is later. */
  observedSeconds: number;
  downSeconds: number;
  /** Down time the target allows over the observed seconds. */
  budgetSeconds: number;
  /** budgetSeconds − downSeconds; negative once the budget is spent. */
  budgetLeftSeconds: number;
}

/** Milliseconds of [from, to) covered by the union of the intervals (overlaps counted once). */
export function coveredMs(intervals: readonly Interval[], from: number, to: number): number {
  const clipped = intervals
    .map((i) => ({ start: Math.max(i.start, from), end: Math.min(i.end, to) }))
    .filter((i) => i.end > i.start)
    .sort((a, b) => a.start - b.start);
  let total = 0;
  let reach = -Infinity;
  for (const i of clipped) {
    const start = Math.max(i.start, reach);
    if (i.end > start) total += i.end - start;
    reach = Math.max(reach, i.end);
  }
  return total;
}

const seconds = (msValue: number) => Math.round(msValue) / 1000;

/**
 * Availability over the window ending now. A window reaching back before tracking began (`since`)
 * counts only from then: time before the first start is unknown, not down.
 */
export function windowReport(intervals: readonly Interval[], since: number | null, now: number, windowMs: number, target: number): WindowReport {
  const from = Math.max(now - windowMs, since ?? now);
  const observed = Math.max(0, now - from);
  const up = Math.min(observed, coveredMs(intervals, from, now));
  const down = observed - up;
  const budget = (1 - target) * observed;
  return {
    availability: observed > 0 ? up / observed : null,
    observedSeconds: seconds(observed),
    downSeconds: seconds(down),
    budgetSeconds: seconds(budget),
    budgetLeftSeconds: seconds(budget - down),
  };
}

export function windowReports(intervals: readonly Interval[], since: number | null, now: number, target: number): Record<WindowName, WindowReport> {
  return {
    '24h': windowReport(intervals, since, now, WINDOWS['24h'], target),
    '7d': windowReport(intervals, since, now, WINDOWS['7d'], target),
    '30d': windowReport(intervals, since, now, WINDOWS['30d'], target),
  };
}
