import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Db } from '../db/database.js';
import type { InferenceOutcome } from '../runtime/version-health.js';
import { rollbackProduction, type RollbackDeps } from './rollback.js';
import { errorMessage } from '../base/message.js';

export const RolloutGuardSchema = Type.Object({
  errorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Roll back when more than this fraction of the new version\'s requests fail.' })),
  p99Ms: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Roll back when the new version\'s 99th percentile latency exceeds this many milliseconds.' })),
  windowSeconds: Type.Integer({ minimum: 1, maximum: 86_400, description: 'How long after a promote the new version is watched.' }),
  minRequests: Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'Requests needed before a verdict; fewer in the whole window is inconclusive.' }),
}, { additionalProperties: false });
export type RolloutGuardSettings = Static<typeof RolloutGuardSchema>;

export const WatchStatusSchema = Type.Object({
  model: Type.String(),
  version: Type.Integer({ description: 'the promoted version being watched' }),
  from: Type.Integer({ description: 'the version production moves back to on a breach' }),
  startedAt: Type.Number(),
  endsAt: Type.Number(),
  status: Type.Union(['watching', 'passed', 'inconclusive', 'rolling-back', 'rolled-back', 'superseded', 'failed'].map((s) => Type.Literal(s))),
  requests: Type.Integer(),
  errors: Type.Integer(),
  errorRate: Type.Union([Type.Number(), Type.Null()]),
  p99Ms: Type.Union([Type.Number(), Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
});
export type WatchStatus = Static<typeof WatchStatusSchema>;

export interface GuardDeps extends RollbackDeps {
  db: Db;
}

interface Watch extends WatchStatus {
  settings: RolloutGuardSettings;
  latencies: number[];
  endTimer?: NodeJS.Timeout;
  evalTimer?: NodeJS.Timeout;
  lastEval: number;
}

/** Latencies kept per watch for the percentile; past this the counts go on and p99 uses the first ones. */
const MAX_SAMPLES = 100_000;
/** Evaluations are batched: at most one per this many milliseconds under load. */
const EVAL_INTERVAL_MS = 50;

const settingsKey = (model: string) => `rollout-guard:${model}`;

/** Nearest-rank 99th percentile. */
export function p99(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.ceil(0.99 * sorted.length) - 1];
}

/**
 * Guarded rollouts: after a promote, the new production version's outcomes are watched for the
 * model's window, and if its error rate or p99 latency passes the admin's threshold, production
 * moves back automatically (the same path as a rollback) and the audit log says why.
 */
export class RolloutGuard {
  private readonly watches = new Map<string, Watch>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly deps: GuardDeps,
    private readonly now: () => number = Date.now,
  ) {
    this.unsubscribe = deps.models.health.onOutcome((o) => this.observe(o));
  }

  settingsOf(model: string): RolloutGuardSettings | null {
    const row = this.deps.db.prepare('SELECT value FROM settings WHERE key = ?').get(settingsKey(model)) as { value: string } | undefined;
    if (!row) return null;
    try {
      const value: unknown = JSON.parse(row.value);
      return Value.Check(RolloutGuardSchema, value) ? value : null;
    } catch {
      return null;
    }
  }

  configure(model: string, settings: RolloutGuardSettings): void {
    this.deps.db.prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
      .run(settingsKey(model), JSON.stringify(settings));
  }

  /** Removes the model's guard and stops any watch; true when there was one. */
  remove(model: string): boolean {
    this.cancel(model, 'the rollout guard was removed');
    return this.deps.db.prepare('DELETE FROM settings WHERE key = ?').run(settingsKey(model)).changes > 0;
  }

  /** After a promote: watches the new production version, if the model has a guard and somewhere to go back to. */
  watch(model: string, version: number, from: number | null): WatchStatus | null {
    this.cancel(model, `production moved to version ${version}`);
    const settings = this.settingsOf(model);
    if (!settings || from === null || from === version) return null;
    const startedAt = this.now();
    const w: Watch = {
      model, version, from, startedAt, endsAt: startedAt + settings.windowSeconds * 1000, status: 'watching',
      requests: 0, errors: 0, errorRate: null, p99Ms: null, reason: null, settings, latencies: [], lastEval: 0,
    };
    w.endTimer = setTimeout(() => this.finish(w), settings.windowSeconds * 1000);
    w.endTimer.unref();
    this.watches.set(model, w);
    return this.status(model);
  }

  /** Stops watching (production was moved by hand, or the guard removed). */
  cancel(model: string, reason: string): void {
    const w = this.watches.get(model);
    if (!w || w.status !== 'watching') return;
    this.stop(w, 'superseded', reason);
  }

  /** The model's current or last watch. */
  status(model: string): WatchStatus | null {
    const w = this.watches.get(model);
    if (!w) return null;
    return {
      model: w.model, version: w.version, from: w.from, startedAt: w.startedAt, endsAt: w.endsAt, status: w.status,
      requests: w.requests, errors: w.errors, errorRate: w.errorRate, p99Ms: w.p99Ms, reason: w.reason,
    };
  }

  close(): void {
    this.unsubscribe();
    for (const w of this.watches.values()) this.clearTimers(w);
  }

  private observe(o: InferenceOutcome): void {
    const w = this.watches.get(o.name);
    if (!w || w.status !== 'watching' || o.version !== w.version) return;
    w.requests += 1;
    if (!o.ok) w.errors += 1;
    if (w.latencies.length < MAX_SAMPLES) w.latencies.push(o.latencyMs);
    if (w.requests < w.settings.minRequests || w.evalTimer) return;
    const delay = Math.max(0, w.lastEval + EVAL_INTERVAL_MS - this.now());
    w.evalTimer = setTimeout(() => {
      w.evalTimer = undefined;
      this.evaluate(w);
    }, delay);
    w.evalTimer.unref();
  }

  /** Updates the figures; on a breach, rolls back. Returns whether it breached. */
  private evaluate(w: Watch): boolean {
    if (w.status !== 'watching') return false;
    w.lastEval = this.now();
    w.errorRate = w.requests > 0 ? w.errors / w.requests : null;
    w.p99Ms = p99(w.latencies);
    if (w.requests < w.settings.minRequests) return false;
    const { errorRate, p99Ms } = w.settings;
    let why: string | undefined;
    if (errorRate !== undefined && w.errorRate !== null && w.errorRate > errorRate) {
      why = `error rate ${w.errorRate.toFixed(3)} over ${w.requests} requests passed the guard's ${errorRate}`;
    } else if (p99Ms !== undefined && w.p99Ms !== null && w.p99Ms > p99Ms) {
      why = `p99 latency ${w.p99Ms.toFixed(1)} ms over ${w.requests} requests passed the guard's ${p99Ms} ms`;
    }
    if (why === undefined) return false;
    void this.rollBack(w, `Version ${w.version} of "${w.model}" was rolled back automatically: ${why}.`);
    return true;
  }

  private finish(w: Watch): void {
    if (w.status !== 'watching') return;
    if (this.evaluate(w)) return;
    if (w.requests < w.settings.minRequests) {
      this.stop(w, 'inconclusive', `only ${w.requests} requests in the ${w.settings.windowSeconds} s window; the guard needs ${w.settings.minRequests}`);
    } else {
      this.stop(w, 'passed', null);
    }
  }

  private async rollBack(w: Watch, reason: string): Promise<void> {
    this.clearTimers(w);
    const { registry } = this.deps;
    if (registry.aliasVersion(w.model, 'production') !== w.version) {
      this.stop(w, 'superseded', `production no longer points at version ${w.version}`);
      return;
    }
    w.status = 'rolling-back';
    w.reason = reason;
    try {
      const result = await rollbackProduction(this.deps, w.model, { action: 'auto-rollback', actor: 'system', reason });
      w.status = 'rolled-back';
      w.from = result.version;
    } catch (err) {
      w.status = 'failed';
      w.reason = `${reason} The rollback itself failed: ${errorMessage(err)}`;
    }
  }

  private stop(w: Watch, status: WatchStatus['status'], reason: string | null): void {
    this.clearTimers(w);
    w.status = status;
    w.reason = reason;
    w.latencies = [];
  }

  private clearTimers(w: Watch): void {
    if (w.endTimer) clearTimeout(w.endTimer);
    if (w.evalTimer) clearTimeout(w.evalTimer);
    w.endTimer = undefined;
    w.evalTimer = undefined;
  }
}
