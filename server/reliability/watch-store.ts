import { Value } from '@sinclair/typebox/value';
import { prepared, type Db } from '../db/database.js';
import { RolloutGuardSchema, WATCH_STATES, type RolloutGuardSettings, type WatchStatus } from './rollout-guard-schemas.js';

/** A watch as stored: its status and figures, and the guard's settings it started with. */
export interface StoredWatch extends WatchStatus {
  settings: RolloutGuardSettings;
  resumedAt: number | null;
}

interface WatchRow {
  model: string; version: number; from_version: number; started_at: number; ends_at: number; status: string;
  requests: number; errors: number; error_rate: number | null; p99_ms: number | null; reason: string | null;
  settings: string; resumed_at: number | null;
}

const isState = (s: string): s is WatchStatus['status'] => (WATCH_STATES as readonly string[]).includes(s);

function parseSettings(text: string): RolloutGuardSettings | null {
  try {
    const value: unknown = JSON.parse(text);
    return Value.Check(RolloutGuardSchema, value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * Each model's current or last watch in `rollout_watches` (migration 0008), one row per model.
 * The row goes with its model (a foreign key), so a deleted model's watch can never resume.
 * Written when a watch starts and stops, and every few hundred milliseconds while it counts:
 * never per request.
 */
export class WatchStore {
  constructor(private readonly db: Db) {}

  /** Every stored watch; a row this code cannot read (settings or status it does not know) is left out. */
  all(): StoredWatch[] {
    const rows = prepared(this.db, 'SELECT * FROM rollout_watches ORDER BY model').all() as WatchRow[];
    const watches: StoredWatch[] = [];
    for (const r of rows) {
      const settings = parseSettings(r.settings);
      if (!settings || !isState(r.status)) continue;
      watches.push({
        model: r.model, version: r.version, from: r.from_version, startedAt: r.started_at, endsAt: r.ends_at, status: r.status,
        requests: r.requests, errors: r.errors, errorRate: r.error_rate, p99Ms: r.p99_ms, reason: r.reason,
        settings, resumedAt: r.resumed_at,
      });
    }
    return watches;
  }

  /** A new watch of the model, in place of its last one. */
  start(w: StoredWatch): void {
    prepared(this.db, `INSERT OR REPLACE INTO rollout_watches
      (model, version, from_version, started_at, ends_at, status, requests, errors, error_rate, p99_ms, reason, settings, resumed_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      w.model, w.version, w.from, w.startedAt, w.endsAt, w.status, w.requests, w.errors, w.errorRate, w.p99Ms, w.reason,
      JSON.stringify(w.settings), w.resumedAt,
    );
  }

  /**
   * Writes the watch's status and figures. Only to its own row: false when that is gone (its model
   * was deleted) or holds a later watch of the model.
   */
  save(w: StoredWatch): boolean {
    return prepared(this.db, `UPDATE rollout_watches
      SET from_version = ?, status = ?, requests = ?, errors = ?, error_rate = ?, p99_ms = ?, reason = ?, resumed_at = ?
      WHERE model = ? AND version = ? AND started_at = ?`).run(
      w.from, w.status, w.requests, w.errors, w.errorRate, w.p99Ms, w.reason, w.resumedAt, w.model, w.version, w.startedAt,
    ).changes > 0;
  }
}

/** Nearest-rank 99th percentile of a watch's latencies. */
export function p99(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.ceil(0.99 * sorted.length) - 1];
}
