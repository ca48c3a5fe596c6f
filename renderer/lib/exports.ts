import type { ExportKind, ExportQuery } from '../../main/api.js';
import type { QueryParams } from '../api/client.js';

export interface UsageFilter {
  /** datetime-local input values ("2025-03-04T14:05"), local time; "" for open-ended. */
  from: string;
  to: string;
  model: string;
  key: string;
}

export const EMPTY_FILTER: UsageFilter = { from: '', to: '', model: '', key: '' };

/** A datetime-local value as epoch ms, or undefined when empty or unreadable. */
export function localTimeToMs(value: string): number | undefined {
  if (value.trim() === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** The server's filter for a form: times in ms, empty fields left out. */
export function filterQuery(filter: UsageFilter): ExportQuery {
  const q: ExportQuery = {};
  const from = localTimeToMs(filter.from);
  const to = localTimeToMs(filter.to);
  if (from !== undefined) q.from = from;
  if (to !== undefined) q.to = to;
  if (filter.model !== '') q.model = filter.model;
  if (filter.key !== '') q.key = filter.key;
  return q;
}

/** What is wrong with a filter, or null. */
export function filterError(filter: UsageFilter): string | null {
  if (filter.from !== '' && localTimeToMs(filter.from) === undefined) return 'The start time is not a valid date.';
  if (filter.to !== '' && localTimeToMs(filter.to) === undefined) return 'The end time is not a valid date.';
  const { from, to } = filterQuery(filter);
  if (typeof from === 'number' && typeof to === 'number' && from >= to) return 'The start must be before the end.';
  return null;
}

export interface ExportTarget {
  path: string;
  query: QueryParams;
  fileName: string;
}

/** Where a browser downloads an export from, and the file name it suggests (as main/export.ts does). */
export function exportTarget(kind: ExportKind, query: ExportQuery, today = new Date()): ExportTarget {
  const date = today.toISOString().slice(0, 10);
  const base: QueryParams = { from: query.from, to: query.to };
  switch (kind) {
    case 'usage-csv':
      return { path: '/admin/v1/usage', query: { ...base, model: query.model, key: query.key, format: 'csv' }, fileName: `hearth-usage-${date}.csv` };
    case 'usage-jsonl':
      return { path: '/admin/v1/usage', query: { ...base, model: query.model, key: query.key, format: 'jsonl' }, fileName: `hearth-usage-${date}.jsonl` };
    case 'audit':
      return { path: '/admin/v1/audit/export', query: base, fileName: `hearth-audit-${date}.jsonl` };
  }
}

/** Saves a blob through a temporary link: the browser's own download, no extra permission. */
export function saveBlob(blob: Blob, fileName: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = fileName;
  a.rel = 'noopener';
  doc.body.append(a);
  a.click();
  a.remove();
  // Revoked later: Chromium reads the blob after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
