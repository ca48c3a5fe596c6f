import type { RecordFields } from '../api/types.js';

export interface UsagePage {
  /** Newest first. */
  rows: RecordFields[];
  /** Pass as beforeSeq for the next (older) page; null after the last. */
  nextBeforeSeq: number | null;
}

/** GET /admin/v1/usage without a format: {rows, nextBeforeSeq} (older servers: {records}). */
export function parseUsagePage(body: unknown): UsagePage {
  const o = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const rows = Array.isArray(o.rows) ? o.rows : Array.isArray(o.records) ? o.records : [];
  const next = o.nextBeforeSeq;
  return { rows: rows as RecordFields[], nextBeforeSeq: typeof next === 'number' ? next : null };
}

/** What a record was, in a few words: "ok", "error: <reason>", or the admin action. */
export function describeOutcome(r: RecordFields): string {
  if (r.kind === 'admin') return r.action ?? 'admin';
  if (r.outcome === 'success') return 'ok';
  return r.reason ? `${r.outcome ?? 'error'}: ${r.reason}` : (r.outcome ?? 'error');
}

export type OutcomeTone = 'ok' | 'bad' | 'info';

export function outcomeTone(r: RecordFields): OutcomeTone {
  if (r.kind === 'admin') return 'info';
  return r.outcome === 'success' ? 'ok' : 'bad';
}

/** Microseconds to milliseconds for the table; null stays null. */
export const latencyMs = (r: RecordFields): number | null => (r.latencyUs === null ? null : r.latencyUs / 1000);

export type UsageKind = 'inference' | 'admin' | 'all';
