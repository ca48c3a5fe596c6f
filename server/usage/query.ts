import type { Database } from 'better-sqlite3';
import { whereClause, type UsageFilter } from './filter.js';
import { RECORD_SELECT } from './record.js';
import type { RecordFields } from './types.js';

export interface QueryUsageOptions extends UsageFilter {
  limit?: number;
  /** Page on: only records older than this seq (pass the previous page's nextBeforeSeq). */
  beforeSeq?: number;
}

export interface UsagePage {
  /** Newest first. */
  rows: RecordFields[];
  /** beforeSeq for the next page, or null after the last page. */
  nextBeforeSeq: number | null;
}

const MAX_LIMIT = 1000;

/** One page of the log for the admin table, newest first. */
export function queryUsage(db: Database, { limit = 100, beforeSeq, ...filter }: QueryUsageOptions = {}): UsagePage {
  const where = whereClause(filter);
  const size = Math.min(Math.max(1, Math.floor(limit)), MAX_LIMIT);
  const rows = db
    .prepare(
      `SELECT ${RECORD_SELECT} FROM records WHERE ${where.sql} AND seq < @before ORDER BY seq DESC LIMIT @limit`,
    )
    .all({ ...where.params, before: beforeSeq ?? Number.MAX_SAFE_INTEGER, limit: size + 1 }) as RecordFields[];
  const more = rows.length > size;
  const page = more ? rows.slice(0, size) : rows;
  return { rows: page, nextBeforeSeq: more ? page[page.length - 1].seq : null };
}

/**
 * Whether the log holds an admin record of `action` on the model's `version` made at or after
 * `since`. Only committed records count: flush the log first to include what is still journaled.
 */
export function hasAdminRecord(db: Database, { action, model, version, since }: { action: string; model: string; version: number; since: number }): boolean {
  return db.prepare("SELECT 1 FROM records WHERE model = ? AND time >= ? AND kind = 'admin' AND action = ? AND version = ? LIMIT 1")
    .get(model, since, action, version) !== undefined;
}
