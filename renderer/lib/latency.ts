import type { LatencyPoint } from '../api/types.js';
import { formatDuration } from './format.js';

export type LatencyRange = '1h' | '24h' | '7d' | '30d';

export const RANGE_LABELS: Record<LatencyRange, string> = {
  '1h': 'Last hour',
  '24h': 'Last 24 hours',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
};

const HOUR = 3_600_000;
const RANGES: Record<LatencyRange, { span: number; step: number }> = {
  '1h': { span: HOUR, step: 60 },
  '24h': { span: 24 * HOUR, step: 600 },
  '7d': { span: 7 * 24 * HOUR, step: 3600 },
  '30d': { span: 30 * 24 * HOUR, step: 6 * 3600 },
};

/** Query bounds for a range: at most a few hundred points, steps a multiple of 60 s as the API asks. */
export function rangeQuery(range: LatencyRange, now = Date.now()): { from: number; to: number; step: number } {
  const { span, step } = RANGES[range];
  return { from: now - span, to: now, step };
}

export interface LatencySummary {
  requests: number;
  errors: number;
  /** errors / requests; null with no requests. */
  errorRate: number | null;
  /** Mean throughput over the steps that saw requests (not the whole range), requests per second. */
  rps: number;
  /**
   * The seconds `rps` is averaged over: the steps that saw requests, whole. A burst shorter than a
   * step reads as its requests spread over the step, so the same burst reads lower in a longer range.
   */
  busySeconds: number;
  /** Request-weighted means of the per-step percentiles (an approximation of the range's own). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

/** Totals over a latency series. */
export function summarizeLatency(points: readonly LatencyPoint[], stepSeconds: number): LatencySummary {
  let requests = 0;
  let errors = 0;
  const weighted = { p50: 0, p95: 0, p99: 0 };
  let weight = 0;
  let busySteps = 0;
  for (const p of points) {
    requests += p.count;
    if (p.count > 0) busySteps += 1;
    errors += p.errors;
    const ok = p.count - p.errors;
    if (ok > 0 && p.p50 !== null && p.p95 !== null && p.p99 !== null) {
      weighted.p50 += p.p50 * ok;
      weighted.p95 += p.p95 * ok;
      weighted.p99 += p.p99 * ok;
      weight += ok;
    }
  }
  // A server that ran ten minutes of the day served at its rate over those minutes, not over the day.
  const seconds = busySteps * stepSeconds;
  return {
    requests,
    errors,
    errorRate: requests > 0 ? errors / requests : null,
    rps: seconds > 0 ? requests / seconds : 0,
    busySeconds: seconds,
    p50: weight > 0 ? weighted.p50 / weight : null,
    p95: weight > 0 ? weighted.p95 / weight : null,
    p99: weight > 0 ? weighted.p99 / weight : null,
  };
}

/** What the mean throughput is taken over, "over 1 min with requests"; "" with no requests. */
export function throughputBasis(s: Pick<LatencySummary, 'requests' | 'busySeconds'>): string {
  return s.requests > 0 && s.busySeconds > 0 ? `over ${formatDuration(s.busySeconds)} with requests` : '';
}

/** uPlot's aligned columns: time in seconds, then p50, p95, p99 (ms; null where no request succeeded). */
export function latencyColumns(points: readonly LatencyPoint[]): [number[], (number | null)[], (number | null)[], (number | null)[]] {
  return [
    points.map((p) => p.t / 1000),
    points.map((p) => p.p50),
    points.map((p) => p.p95),
    points.map((p) => p.p99),
  ];
}

/** Throughput and errors per second, for the second chart. */
export function throughputColumns(points: readonly LatencyPoint[], stepSeconds: number): [number[], number[], number[]] {
  return [
    points.map((p) => p.t / 1000),
    points.map((p) => p.rps),
    points.map((p) => (stepSeconds > 0 ? p.errors / stepSeconds : 0)),
  ];
}

/** Indices of values with no neighbour to draw a line to; the chart marks them with a dot. */
export function isolatedIndices(values: ArrayLike<number | null | undefined>): number[] {
  const out: number[] = [];
  const has = (i: number) => i >= 0 && i < values.length && values[i] !== null && values[i] !== undefined;
  for (let i = 0; i < values.length; i++) {
    if (has(i) && !has(i - 1) && !has(i + 1)) out.push(i);
  }
  return out;
}
