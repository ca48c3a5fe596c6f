import type { Database } from 'better-sqlite3';
import { csvRow } from './csv.js';
import { whereClause, type UsageFilter } from './filter.js';
import { RECORD_FIELD_NAMES, RECORD_SELECT } from './record.js';
import type { RecordFields } from './types.js';

export interface ExportUsageOptions extends UsageFilter {
  format?: 'csv' | 'jsonl';
  rowsPerChunk?: number;
}

const CSV_COLUMNS = ['seq', 'time', 'timeIso', ...RECORD_FIELD_NAMES.filter((f) => f !== 'seq' && f !== 'time')];

/**
 * The usage log as CSV or JSON Lines, streamed in chunks of rowsPerChunk rows. Pages by seq with
 * short queries, so the log's writer is never blocked behind a long-running read.
 */
export async function* exportUsage(
  db: Database,
  { format = 'csv', rowsPerChunk = 1000, ...filter }: ExportUsageOptions = {},
): AsyncGenerator<string, void, undefined> {
  const where = whereClause(filter);
  const page = db.prepare(
    `SELECT ${RECORD_SELECT} FROM records WHERE ${where.sql} AND seq > @after ORDER BY seq LIMIT @limit`,
  );
  if (format === 'csv') yield csvRow(CSV_COLUMNS);
  let after = 0;
  for (;;) {
    const rows = page.all({ ...where.params, after, limit: rowsPerChunk }) as RecordFields[];
    if (rows.length === 0) return;
    yield rows.map(format === 'csv' ? toCsv : toJsonLine).join('');
    after = rows[rows.length - 1].seq;
    if (rows.length < rowsPerChunk) return;
  }
}

function toCsv(row: RecordFields): string {
  return csvRow(
    CSV_COLUMNS.map((column) =>
      column === 'timeIso' ? new Date(row.time).toISOString() : row[column as keyof RecordFields],
    ),
  );
}

function toJsonLine(row: RecordFields): string {
  return `${JSON.stringify({ ...row, detail: row.detail === null ? null : (JSON.parse(row.detail) as unknown) })}\n`;
}
