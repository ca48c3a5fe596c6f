import type { Db } from '../db/database.js';
import { windowReports, type Interval, type WindowName, type WindowReport } from './availability.js';

export const DEFAULT_UPTIME_TARGET = 0.999;
const TARGET_KEY = 'uptime_target';
const LONGEST_WINDOW_MS = 30 * 86_400_000;

/** A model's production version and whether it can serve right now. */
export interface ProductionVersion {
  name: string;
  version: number;
  ready: boolean;
}

export interface ProductionSource {
  production(): ProductionVersion[];
}

export type Windows = Record<WindowName, WindowReport>;

export interface UptimeReport {
  target: number;
  server: Windows;
  models: (ProductionVersion & { since: number | null } & Windows)[];
  /** When uptime tracking first began on this data dir (ms); null before the first start. */
  since: number | null;
  /** When this run of the server started (ms); null when it is not tracking. */
  startedAt: number | null;
}

export interface UptimeOptions {
  heartbeatMs?: number;
  now?: () => number;
}

/**
 * Uptime from coalesced heartbeats: each run of the server writes one row and pushes its end
 * forward every beat, so a crash loses at most one beat and the time the server was down shows
 * as the gap between rows. A model's production version is up while the server beats and that
 * version is READY; its rows are written in the same beats.
 */
export class UptimeTracker {
  private serverRow: number | undefined;
  private readonly open = new Map<string, { id: number; version: number }>();
  private timer: NodeJS.Timeout | undefined;
  private startedAt: number | null = null;
  private closed = false;
  private readonly heartbeatMs: number;
  private readonly now: () => number;

  constructor(private readonly db: Db, private readonly source: ProductionSource, { heartbeatMs = 10_000, now = Date.now }: UptimeOptions = {}) {
    this.heartbeatMs = heartbeatMs;
    this.now = now;
  }

  /** Begins a new up interval; the time since the previous run's last beat is down. */
  start(): void {
    if (this.closed || this.serverRow !== undefined) return;
    const now = this.now();
    this.startedAt = now;
    this.serverRow = this.insert('', null, now);
    this.beat();
    this.timer = setInterval(() => this.safeBeat(), this.heartbeatMs);
    this.timer.unref();
  }

  /** Extends what is up to now; also called when a model changes state, so transitions land promptly. */
  beat(): void {
    if (this.closed || this.serverRow === undefined) return;
    const now = this.now();
    const serverRow = this.serverRow;
    const extend = this.db.prepare('UPDATE uptime_heartbeats SET ended_at = ? WHERE id = ?');
    const track = this.db.prepare('INSERT OR IGNORE INTO uptime_models (model, since) VALUES (?, ?)');
    this.db.transaction(() => {
      extend.run(now, serverRow);
      const seen = new Set<string>();
      for (const p of this.source.production()) {
        seen.add(p.name);
        const open = this.open.get(p.name);
        if (!p.ready) {
          // Down since the last beat at the latest: the row keeps the end that beat gave it.
          this.open.delete(p.name);
          continue;
        }
        // A model is tracked from its first readiness: its first load is not downtime.
        track.run(p.name, now);
        if (open) extend.run(now, open.id);
        if (!open || open.version !== p.version) this.open.set(p.name, { id: this.insert(p.name, p.version, now), version: p.version });
      }
      for (const name of [...this.open.keys()]) if (!seen.has(name)) this.open.delete(name);
    }).immediate();
  }

  /** A beat from a timer or an event must never throw into its caller; the next beat retries. */
  safeBeat(): void {
    try { this.beat(); } catch { /* a busy or closing database: the next beat covers this one */ }
  }

  /** The last beat: the run's up time reaches to now. */
  close(): void {
    if (this.closed) return;
    if (this.timer) clearInterval(this.timer);
    this.safeBeat();
    this.closed = true;
  }

  target(): number {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(TARGET_KEY) as { value: string } | undefined;
    const value = row ? Number(row.value) : NaN;
    return Number.isFinite(value) && value > 0 && value <= 1 ? value : DEFAULT_UPTIME_TARGET;
  }

  setTarget(target: number): void {
    if (!(target > 0 && target <= 1)) throw new RangeError(`The uptime target must be above 0 and at most 1; got ${target}.`);
    this.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(TARGET_KEY, String(target));
  }

  report(): UptimeReport {
    const now = this.now();
    const target = this.target();
    const since = (this.db.prepare("SELECT MIN(started_at) AS s FROM uptime_heartbeats WHERE model = ''").get() as { s: number | null }).s;
    const running = !this.closed && this.serverRow !== undefined;
    const server = windowReports(this.intervals('', running ? this.serverRow : undefined, now), since, now, target);
    const modelSince = this.db.prepare('SELECT since FROM uptime_models WHERE model = ?');
    const models = this.source.production().map((p) => {
      const s = (modelSince.get(p.name) as { since: number } | undefined)?.since ?? null;
      const open = this.open.get(p.name);
      const openRow = running && p.ready && open?.version === p.version ? open.id : undefined;
      return { ...p, since: s, ...windowReports(this.intervals(p.name, openRow, now), s, now, target) };
    });
    return { target, server, models, since, startedAt: running ? this.startedAt : null };
  }

  /** A subject's intervals in the longest window; the row still being extended reaches to now. */
  private intervals(model: string, openRow: number | undefined, now: number): Interval[] {
    const rows = this.db.prepare('SELECT id, started_at, ended_at FROM uptime_heartbeats WHERE model = ? AND ended_at >= ?')
      .all(model, now - LONGEST_WINDOW_MS) as { id: number; started_at: number; ended_at: number }[];
    return rows.map((r) => ({ start: r.started_at, end: r.id === openRow ? Math.max(r.ended_at, now) : r.ended_at }));
  }

  private insert(model: string, version: number | null, at: number): number {
    return Number(this.db.prepare('INSERT INTO uptime_heartbeats (model, version, started_at, ended_at) VALUES (?, ?, ?, ?)')
      .run(model, version, at, at).lastInsertRowid);
  }
}
