import type { Db } from '../db/database.js';
import type { InferenceOutcome, VersionHealth } from '../runtime/version-health.js';
import { autoRollbackAt, rollbackProduction, type RollbackDeps } from './rollback.js';
import { errorMessage } from '../base/message.js';
import { hasAdminRecord } from '../usage/query.js';
import type { RolloutGuardSettings, WatchStatus } from './rollout-guard-schemas.js';
import { deleteGuardSettings, readGuardSettings, writeGuardSettings } from './guard-settings.js';
import { p99, WatchStore, type StoredWatch } from './watch-store.js';

export { RolloutGuardSchema, WatchStatusSchema, type RolloutGuardSettings, type WatchStatus } from './rollout-guard-schemas.js';

export interface GuardDeps extends RollbackDeps {
  db: Db;
  models: RollbackDeps['models'] & { health: Pick<VersionHealth, 'onOutcome'> };
  /** Resolves once the audit log has committed every record handed to it, and what the last process journaled. */
  flushAudit: () => Promise<void>;
  /** Why the audit log refuses to extend its chain, or null; read after flushAudit. */
  auditRefusal?: () => string | null;
}

interface Watch extends StoredWatch {
  latencies: number[];
  /** Set once its rollback moved production: a promote after that no longer calls the rollback off. */
  movedBack?: boolean;
  endTimer?: NodeJS.Timeout;
  evalTimer?: NodeJS.Timeout;
  saveTimer?: NodeJS.Timeout;
  lastEval: number;
}

/** Latencies kept per watch for the percentile; past this the counts go on and p99 uses the first ones. */
const MAX_SAMPLES = 100_000;
/** Evaluations are batched: at most one per this many milliseconds under load. */
const EVAL_INTERVAL_MS = 50;
/**
 * The running counts are written at most once per this many milliseconds, off the request path:
 * a server killed inside a window resumes with the counts of all but its last moments.
 */
const SAVE_INTERVAL_MS = 250;

/**
 * Guarded rollouts: after a promote, the new production version's outcomes are watched for the
 * model's window, and if its error rate or p99 latency passes the admin's threshold, production
 * moves back automatically (the same path as a rollback) and the audit log says why.
 *
 * Watches are stored (watch-store.ts), so a server that stops inside a window, killed or
 * restarted, takes the watch up again when it starts: see `resume`.
 */
export class RolloutGuard {
  private readonly watches = new Map<string, Watch>();
  private readonly store: WatchStore;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(
    private readonly deps: GuardDeps,
    private readonly now: () => number = Date.now,
  ) {
    this.store = new WatchStore(deps.db);
    this.unsubscribe = deps.models.health.onOutcome((o) => this.observe(o));
    const at = Math.round(this.now());
    for (const stored of this.store.all()) {
      const w: Watch = { ...stored, latencies: [], lastEval: 0 };
      this.watches.set(w.model, w);
      if (w.status === 'watching' || w.status === 'rolling-back') this.resume(w, at);
    }
  }

  settingsOf(model: string): RolloutGuardSettings | null { return readGuardSettings(this.deps.db, model); }

  configure(model: string, settings: RolloutGuardSettings): void { writeGuardSettings(this.deps.db, model, settings); }

  /** Removes the model's guard and stops any watch; true when there was one. */
  remove(model: string): boolean {
    this.cancel(model, 'the rollout guard was removed');
    return deleteGuardSettings(this.deps.db, model);
  }

  /** After a promote: watches the new production version, if the model has a guard and somewhere to go back to. */
  watch(model: string, version: number, from: number | null): WatchStatus | null {
    this.cancel(model, `production moved to version ${version}`);
    const settings = this.settingsOf(model);
    if (!settings || from === null || from === version) return null;
    // Whole milliseconds: the stored row names the watch by its start.
    const startedAt = Math.round(this.now());
    const w: Watch = {
      model, version, from, startedAt, endsAt: startedAt + settings.windowSeconds * 1000, status: 'watching',
      requests: 0, errors: 0, errorRate: null, p99Ms: null, reason: null, resumedAt: null, settings, latencies: [], lastEval: 0,
    };
    this.watches.set(model, w);
    this.write(() => this.store.start(w));
    this.arm(w, settings.windowSeconds * 1000);
    return this.status(model);
  }

  /**
   * Stops watching (production was moved by hand, or the guard removed), and calls off a rollback
   * that has not moved production yet: a promote of the very version being rolled back leaves
   * production where it was, so rollbackProduction cannot see it and asks the guard (see rollBack).
   */
  cancel(model: string, reason: string): void {
    const w = this.watches.get(model);
    if (!w || !(w.status === 'watching' || (w.status === 'rolling-back' && !w.movedBack))) return;
    this.stop(w, 'superseded', reason);
  }

  /**
   * Forgets the model's watch and its guard: the model was deleted (its stored watch went with it).
   * A guard left behind would arm itself for the next model uploaded under the same name.
   */
  forget(model: string): void {
    deleteGuardSettings(this.deps.db, model);
    const w = this.watches.get(model);
    if (!w) return;
    this.clearTimers(w);
    this.watches.delete(model);
  }

  /** The model's current or last watch, from before a restart too. */
  status(model: string): WatchStatus | null {
    const w = this.watches.get(model);
    if (!w) return null;
    return {
      model: w.model, version: w.version, from: w.from, startedAt: w.startedAt, endsAt: w.endsAt, status: w.status,
      requests: w.requests, errors: w.errors, errorRate: w.errorRate, p99Ms: w.p99Ms, reason: w.reason, resumedAt: w.resumedAt,
    };
  }

  /** Stops the timers and writes the running counts, so a restart resumes from them. */
  close(): void {
    this.unsubscribe();
    for (const w of this.watches.values()) {
      this.clearTimers(w);
      if (w.status === 'watching') this.save(w);
    }
    this.closed = true;
  }

  /** On the inference path: counts only; the store is written from a timer, at most every SAVE_INTERVAL_MS. */
  private observe(o: InferenceOutcome): void {
    const w = this.watches.get(o.name);
    if (!w || w.status !== 'watching' || o.version !== w.version) return;
    w.requests += 1;
    if (!o.ok) w.errors += 1;
    if (w.latencies.length < MAX_SAMPLES) w.latencies.push(o.latencyMs);
    if (!w.saveTimer) {
      w.saveTimer = setTimeout(() => {
        w.saveTimer = undefined;
        this.save(w);
      }, SAVE_INTERVAL_MS);
      w.saveTimer.unref();
    }
    if (w.requests < w.settings.minRequests || w.evalTimer) return;
    const delay = Math.max(0, w.lastEval + EVAL_INTERVAL_MS - this.now());
    w.evalTimer = setTimeout(() => {
      w.evalTimer = undefined;
      this.evaluate(w);
    }, delay);
    w.evalTimer.unref();
  }

  /**
   * Takes up a watch left open when the server stopped (killed, crashed or restarted inside its
   * window). If production still points at the watched version, the watch goes on with its stored
   * counts for what is left of the window, or, if the window ended while the server was down, is
   * judged at once on those counts. Latency samples are not stored: after a restart, p99 is of the
   * requests seen since (until there are some, the figure stored before stands).
   */
  private resume(w: Watch, at: number): void {
    w.resumedAt = at;
    const production = this.deps.registry.aliasVersion(w.model, 'production') ?? null;
    if (w.status === 'rolling-back') {
      this.resumeRollBack(w, production);
      return;
    }
    if (production !== w.version) {
      this.stop(w, 'superseded', `when the server restarted, production no longer pointed at version ${w.version} ` +
        `(it pointed at ${production === null ? 'no version' : `version ${production}`})`);
      return;
    }
    const left = w.endsAt - at;
    if (left <= 0) {
      this.finish(w);
      return;
    }
    this.save(w);
    this.arm(w, left);
    if (w.requests >= w.settings.minRequests) this.evaluate(w);
  }

  /** The process died inside a rollback the guard had decided: finish it, unless production has moved since. */
  private resumeRollBack(w: Watch, production: number | null): void {
    if (production === w.version) {
      void this.rollBack(w, w.reason ?? `Version ${w.version} of "${w.model}" was rolled back automatically.`);
      return;
    }
    const movedAt = autoRollbackAt(this.deps.registry, w.model, production, w.startedAt);
    if (production !== null && movedAt !== null) {
      w.movedBack = true;
      void this.completeRollBack(w, production, movedAt);
      return;
    }
    this.stop(w, 'superseded', `the server stopped while rolling back, and production has since moved to ${production === null ? 'no version' : `version ${production}`}`);
  }

  /**
   * The rollback went through before the process died, but its outcome was not stored, and maybe not
   * its audit record: that is journaled at the end of the event-loop turn in which production moved
   * (server/usage/journal.ts). Once the log has committed what the last process journaled, the record
   * is written if the log lacks it. Only then is the watch stored as rolled back: a process that dies
   * before checks again at its next start.
   */
  private async completeRollBack(w: Watch, production: number, movedAt: number): Promise<void> {
    const { db, flushAudit, recordAdmin } = this.deps;
    try {
      await flushAudit();
      // Refused: the record the rollback journaled waits there; another would be one more copy per start.
      if (this.deps.auditRefusal?.() != null) return;
      if (!hasAdminRecord(db, { action: 'auto-rollback', model: w.model, version: production, since: movedAt })) {
        await recordAdmin({
          action: 'auto-rollback', actor: 'system', model: w.model, version: production,
          reason: w.reason ?? `Version ${w.version} of "${w.model}" was rolled back automatically.`, detail: { from: w.version },
        });
      }
    } catch {
      // The log refuses or is closed: the watch stays rolling-back, and the next start tries again.
      return;
    }
    if (this.watches.get(w.model) !== w || w.status !== 'rolling-back') return;
    w.status = 'rolled-back';
    w.from = production;
    this.save(w);
  }

  /** Updates the figures; on a breach, rolls back. Returns whether it breached. */
  private evaluate(w: Watch): boolean {
    if (w.status !== 'watching') return false;
    w.lastEval = this.now();
    w.errorRate = w.requests > 0 ? w.errors / w.requests : null;
    // Without samples since a restart, the p99 stored before it stands (see resume).
    if (w.latencies.length > 0) w.p99Ms = p99(w.latencies);
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
    // Stored before production moves: a server killed from here on finishes the rollback when it starts.
    this.save(w);
    try {
      const result = await rollbackProduction(this.deps, w.model, {
        action: 'auto-rollback', actor: 'system', reason,
        proceed: () => {
          w.movedBack = this.watches.get(w.model) === w && w.status === 'rolling-back';
          return w.movedBack;
        },
      });
      w.status = 'rolled-back';
      w.from = result.version;
    } catch (err) {
      // Called off by a promote (cancel): its watch is stopped and stored already.
      if (!w.movedBack && w.status !== 'rolling-back') return;
      const production = registry.aliasVersion(w.model, 'production') ?? null;
      if (w.movedBack && production !== w.version && autoRollbackAt(registry, w.model, production, w.startedAt) !== null) {
        // Only its audit record failed (the log refuses, closes, or lost its thread): stored as rolling
        // back, the next start writes the record if the log lacks it (completeRollBack).
        w.reason = `${reason} Production is back on version ${production}, but the audit record of the rollback is not committed ` +
          `(${errorMessage(err)}); the next start writes it if the log lacks it.`;
        this.save(w);
        return;
      }
      if (production !== w.version) {
        // Production was moved by hand while the version to go back to loaded: that move stands.
        this.stop(w, 'superseded', `${reason} Production was moved by hand during the rollback, which was not carried out: ${errorMessage(err)}`);
        return;
      }
      w.status = 'failed';
      w.reason = `${reason} The rollback itself failed: ${errorMessage(err)}`;
    }
    this.save(w);
  }

  private stop(w: Watch, status: WatchStatus['status'], reason: string | null): void {
    this.clearTimers(w);
    w.status = status;
    w.reason = reason;
    w.latencies = [];
    this.save(w);
  }

  private arm(w: Watch, ms: number): void {
    w.endTimer = setTimeout(() => this.finish(w), ms);
    w.endTimer.unref();
  }

  /** Writes the watch's status and counts; a watch whose row is gone (its model was deleted) is dropped. */
  private save(w: Watch): void {
    const kept = this.write(() => this.store.save(w));
    if (kept === false && this.watches.get(w.model) === w) this.forget(w.model);
  }

  /**
   * A write to the store, from a timer or the rollback as often as from a request: a failed one
   * (the disk full, the database busy past its timeout) must not take the server down. The next
   * save writes the figures again; the watch goes on in memory either way.
   */
  private write<T>(op: () => T): T | undefined {
    if (this.closed) return undefined;
    try {
      return op();
    } catch {
      return undefined;
    }
  }

  private clearTimers(w: Watch): void {
    if (w.endTimer) clearTimeout(w.endTimer);
    if (w.evalTimer) clearTimeout(w.evalTimer);
    if (w.saveTimer) clearTimeout(w.saveTimer);
    w.endTimer = undefined;
    w.evalTimer = undefined;
    w.saveTimer = undefined;
  }
}
