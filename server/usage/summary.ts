import type { Database } from 'better-sqlite3';
import { whereClause, type UsageFilter } from './filter.js';

export interface UsageTotals {
  requests: number;
  errors: number;
  /** Sum of request latencies (receipt to response), in seconds. */
  computeSeconds: number;
  bytesIn: number;
  bytesOut: number;
}

export type KeySummary = UsageTotals & { key: string | null };
export type ModelSummary = UsageTotals & { model: string | null };

export type SummaryOptions = Omit<UsageFilter, 'kind'>;

interface TotalsRow {
  grp: string | null;
  requests: number;
  errors: number;
  latencyUs: number;
  bytesIn: number;
  bytesOut: number;
}

/** Inference usage per API key (null: anonymous loopback clients) or per model over a period. */
export function summarizeUsage(db: Database, options: SummaryOptions & { groupBy: 'model' }): ModelSummary[];
export function summarizeUsage(db: Database, options?: SummaryOptions & { groupBy?: 'key' }): KeySummary[];
export function summarizeUsage(
  db: Database,
  { groupBy = 'key', ...filter }: SummaryOptions & { groupBy?: 'key' | 'model' } = {},
): KeySummary[] | ModelSummary[] {
  const where = whereClause({ ...filter, kind: 'inference' });
  const column = groupBy === 'model' ? 'model' : 'key_id';
  const rows = db
    .prepare(
      `SELECT ${column} AS grp, COUNT(*) AS requests,
              SUM(CASE WHEN outcome = 'success' THEN 0 ELSE 1 END) AS errors,
              COALESCE(SUM(latency_us), 0) AS latencyUs,
              COALESCE(SUM(bytes_in), 0) AS bytesIn, COALESCE(SUM(bytes_out), 0) AS bytesOut
       FROM records WHERE ${where.sql} GROUP BY ${column} ORDER BY requests DESC, grp`,
    )
    .all(where.params) as TotalsRow[];
  const totals = (r: TotalsRow): UsageTotals => ({
    requests: r.requests,
    errors: r.errors,
    computeSeconds: r.latencyUs / 1e6,
    bytesIn: r.bytesIn,
    bytesOut: r.bytesOut,
  });
  return groupBy === 'model'
    ? rows.map((r) => ({ model: r.grp, ...totals(r) }))
    : rows.map((r) => ({ key: r.grp, ...totals(r) }));
}
