import type { Db } from '../db/database.js';
import { LatencyHistogram } from './buckets.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** One point of a latency series; latencies in milliseconds, of successful requests only. */
export interface LatencyPoint {
  /** ms since the epoch at the start of the step (UTC-aligned). */
  t: number;
  count: number;
  errors: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Requests per second over the step. */
  rps: number;
}

export interface LatencyQuery {
  model: string;
  /** Without it, every version of the model merged. */
  version?: number;
  from: number;
  to: number;
  /** Seconds; a multiple of 60. */
  stepS: number;
}

interface Minute {
  model: string;
  version: number;
  minute: number;
  count: number;
  errors: number;
  hist: LatencyHistogram;
}

interface Row {
  model: string; version: number; minute: number; count: number; errors: number; sum_seconds: number; buckets: string;
}

const keyOf = (model: string, version: number, minute: number) => `${model}\u0000${version}\u0000${minute}`;
const ms = (s: number | null) => (s === null ? null : Math.round(s * 1e6) / 1e3);

export interface LatencyRecorderOptions {
  retentionDays?: number;
  now?: () => number;
}

/**
 * Per-minute latency aggregates per model version: a fixed histogram per minute in memory,
 * flushed to `latency_minutes` once the minute is over (and on close). Queries merge stored and
 * unflushed minutes, so the current minute shows live.
 */
export class LatencyRecorder {
  private readonly pending = new Map<string, Minute>();
  private readonly retentionMs: number;
  private readonly now: () => number;

  constructor(private readonly db: Db, { retentionDays = 30, now = Date.now }: LatencyRecorderOptions = {}) {
    this.retentionMs = retentionDays * DAY_MS;
    this.now = now;
  }

  /** One request that reached a model version; only successful ones enter the percentiles. */
  record(model: string, version: number, seconds: number, ok: boolean, at = this.now()): void {
    const minute = Math.floor(at / MINUTE_MS) * MINUTE_MS;
    const k = keyOf(model, version, minute);
    let m = this.pending.get(k);
    if (!m) {
      m = { model, version, minute, count: 0, errors: 0, hist: new LatencyHistogram() };
      this.pending.set(k, m);
    }
    m.count++;
    if (ok) m.hist.observe(seconds);
    else m.errors++;
  }

  /**
   * Writes finished minutes (every minute with `all`, as on close), merging into a row a previous
   * run left for the same minute, then drops rows older than the retention.
   */
  flush(all = false): number {
    const now = this.now();
    const current = Math.floor(now / MINUTE_MS) * MINUTE_MS;
    const due = [...this.pending.entries()].filter(([, m]) => all || m.minute < current);
    const select = this.db.prepare('SELECT count, errors, sum_seconds, buckets FROM latency_minutes WHERE model = ? AND version = ? AND minute = ?');
    const upsert = this.db.prepare(`INSERT OR REPLACE INTO latency_minutes
      (model, version, minute, count, errors, sum_seconds, p50_ms, p95_ms, p99_ms, buckets) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.db.transaction(() => {
      for (const [, m] of due) {
        const prior = select.get(m.model, m.version, m.minute) as Pick<Row, 'count' | 'errors' | 'sum_seconds' | 'buckets'> | undefined;
        const hist = new LatencyHistogram();
        hist.merge(m.hist);
        let { count, errors } = m;
        if (prior) {
          hist.merge(LatencyHistogram.fromSparse(JSON.parse(prior.buckets), prior.sum_seconds));
          count += prior.count;
          errors += prior.errors;
        }
        upsert.run(m.model, m.version, m.minute, count, errors, hist.sumSeconds,
          ms(hist.quantile(0.5)), ms(hist.quantile(0.95)), ms(hist.quantile(0.99)), JSON.stringify(hist.toSparse()));
      }
      this.db.prepare('DELETE FROM latency_minutes WHERE minute < ?').run(now - this.retentionMs);
    }).immediate();
    // Only after the commit: a failed write keeps the minutes for the next flush.
    for (const [k] of due) this.pending.delete(k);
    return due.length;
  }

  query({ model, version, from, to, stepS }: LatencyQuery): LatencyPoint[] {
    const stepMs = stepS * 1000;
    const start = Math.floor(from / stepMs) * stepMs;
    const points = new Map<number, { count: number; errors: number; hist: LatencyHistogram }>();
    for (let t = start; t < to; t += stepMs) points.set(t, { count: 0, errors: 0, hist: new LatencyHistogram() });
    const add = (minute: number, count: number, errors: number, hist: LatencyHistogram) => {
      const p = points.get(Math.floor(minute / stepMs) * stepMs);
      if (!p) return;
      p.count += count;
      p.errors += errors;
      p.hist.merge(hist);
    };
    const rows = (version === undefined
      ? this.db.prepare('SELECT * FROM latency_minutes WHERE model = ? AND minute >= ? AND minute < ?').all(model, start, to)
      : this.db.prepare('SELECT * FROM latency_minutes WHERE model = ? AND version = ? AND minute >= ? AND minute < ?').all(model, version, start, to)) as Row[];
    for (const r of rows) add(r.minute, r.count, r.errors, LatencyHistogram.fromSparse(JSON.parse(r.buckets), r.sum_seconds));
    for (const m of this.pending.values()) {
      if (m.model !== model || (version !== undefined && m.version !== version) || m.minute < start || m.minute >= to) continue;
      add(m.minute, m.count, m.errors, m.hist);
    }
    return [...points.entries()].map(([t, p]) => ({
      t,
      count: p.count,
      errors: p.errors,
      p50: ms(p.hist.quantile(0.5)),
      p95: ms(p.hist.quantile(0.95)),
      p99: ms(p.hist.quantile(0.99)),
      rps: p.count / stepS,
    }));
  }
}
