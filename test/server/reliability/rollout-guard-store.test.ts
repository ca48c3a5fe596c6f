import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openDatabase, type Db } from '../../../server/db/database.js';
import { Registry } from '../../../server/registry/registry.js';
import { RolloutGuard } from '../../../server/reliability/rollout-guard.js';
import type { Signature } from '../../../server/protocol/tensor.js';
import type { OutcomeListener } from '../../../server/runtime/version-health.js';
import type { AdminEvent } from '../../../server/usage/types.js';

const SIGNATURE: Signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] };
const T0 = 1_700_000_000_000;

interface Row { status: string; requests: number; errors: number; reason: string | null }

/**
 * One server process's guard over a real database file: outcomes are fed by hand and time is
 * moved with fake timers. A "restart" is a new guard over the same file; a "kill" leaves the old
 * one unclosed, as a killed process would.
 */
function startGuard(db: Db, { load = () => Promise.resolve(), recordAdmin, auditRefusal }: {
  load?: (name: string, version: number) => Promise<void>;
  recordAdmin?: (e: AdminEvent) => Promise<void>;
  auditRefusal?: () => string | null;
} = {}) {
  const listeners = new Set<OutcomeListener>();
  const loads: string[] = [];
  const audit: AdminEvent[] = [];
  const registry = new Registry(db);
  const guard = new RolloutGuard({
    db, registry,
    recordAdmin: recordAdmin ?? ((e) => { audit.push(e); return Promise.resolve(); }),
    // The audit log of these tests is `audit`, committed as it is handed a record: there is nothing to wait for.
    flushAudit: () => Promise.resolve(),
    auditRefusal,
    models: {
      load: (name, version) => { loads.push(`${name}/${version}`); return load(name, version); },
      health: { onOutcome: (l) => { listeners.add(l); return () => { listeners.delete(l); }; } },
    },
  });
  const emit = (n: number, ok: boolean) => {
    for (let i = 0; i < n; i++) for (const l of listeners) l({ name: 'm', version: 2, ok, latencyMs: 3, at: Date.now() });
  };
  return { guard, registry, emit, loads, audit };
}

describe('the rollout guard stores its watches', () => {
  let dir: string;
  let db: Db;
  const row = () => db.prepare('SELECT status, requests, errors, reason FROM rollout_watches WHERE model = ?').get('m') as Row | undefined;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
    dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-guard-store-'));
    db = openDatabase(path.join(dir, 'hearth.db'));
    const registry = new Registry(db);
    for (const n of [1, 2]) registry.addVersion({ name: 'm', sha256: String(n).padEnd(64, '0'), size: 1, description: '', signature: SIGNATURE });
    registry.setAlias('m', 'production', 1);
    registry.setAlias('m', 'production', 2);
  });
  afterEach(() => {
    vi.useRealTimers();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the running counts from a timer, never per request, and what is left when it closes', () => {
    const { guard, emit } = startGuard(db);
    guard.configure('m', { errorRate: 0.5, minRequests: 1000, windowSeconds: 60 });
    guard.watch('m', 2, 1);
    expect(row()).toMatchObject({ status: 'watching', requests: 0 });

    emit(100, true);
    expect(guard.status('m')).toMatchObject({ requests: 100 });
    expect(row()).toMatchObject({ requests: 0 });
    vi.advanceTimersByTime(1000);
    expect(row()).toMatchObject({ requests: 100, errors: 0 });

    emit(20, false);
    expect(row()).toMatchObject({ requests: 100 });
    guard.close();
    expect(row()).toMatchObject({ status: 'watching', requests: 120, errors: 20 });
  });

  it('resumes after a restart with the stored counts, for what is left of the window, and keeps its verdict after the next', () => {
    const first = startGuard(db);
    first.guard.configure('m', { errorRate: 0.5, minRequests: 1000, windowSeconds: 60 });
    const started = first.guard.watch('m', 2, 1);
    first.emit(10, true);
    first.guard.close();

    vi.setSystemTime(T0 + 20_000);
    const second = startGuard(db);
    expect(second.guard.status('m')).toMatchObject({
      status: 'watching', requests: 10, errors: 0, startedAt: started?.startedAt, endsAt: started?.endsAt, resumedAt: T0 + 20_000,
    });
    second.emit(5, false);
    vi.advanceTimersByTime(39_999);
    expect(second.guard.status('m')).toMatchObject({ status: 'watching', requests: 15, errors: 5 });
    vi.advanceTimersByTime(1);
    expect(second.guard.status('m')).toMatchObject({ status: 'inconclusive', requests: 15 });
    expect(row()).toMatchObject({ status: 'inconclusive', requests: 15, errors: 5 });
    second.guard.close();

    vi.setSystemTime(T0 + 500_000);
    const third = startGuard(db);
    expect(third.guard.status('m')).toMatchObject({ status: 'inconclusive', requests: 15, resumedAt: T0 + 20_000 });
    third.emit(5, false);
    expect(third.guard.status('m')).toMatchObject({ requests: 15 });
    third.guard.close();
  });

  it('finishes a rollback the server was killed in', async () => {
    const killed = startGuard(db, { load: () => new Promise<void>(() => undefined) });
    killed.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    killed.guard.watch('m', 2, 1);
    killed.emit(2, false);
    vi.advanceTimersByTime(1000);
    expect(killed.loads).toEqual(['m/1']);
    expect(row()).toMatchObject({ status: 'rolling-back' });
    expect(row()?.reason).toMatch(/error rate 1\.000 over 2 requests/);

    const restarted = startGuard(db);
    await vi.waitFor(() => expect(restarted.guard.status('m')).toMatchObject({ status: 'rolled-back', from: 1 }));
    expect(restarted.loads).toEqual(['m/1']);
    expect(restarted.registry.aliasVersion('m', 'production')).toBe(1);
    expect(restarted.registry.aliasHistory('m', 'production').at(-1)).toMatchObject({ version: 1, action: 'auto-rollback' });
    expect(restarted.audit).toMatchObject([{ action: 'auto-rollback', actor: 'system', model: 'm', version: 1 }]);
    expect(restarted.audit[0].reason).toMatch(/error rate 1\.000 over 2 requests/);
    expect(row()).toMatchObject({ status: 'rolled-back' });
    restarted.guard.close();
  });

  it('leaves production where an admin moved it while a rollback was loading its version', async () => {
    let loaded!: () => void;
    const g = startGuard(db, { load: () => new Promise<void>((resolve) => { loaded = resolve; }) });
    g.registry.addVersion({ name: 'm', sha256: '3'.padEnd(64, '0'), size: 1, description: '', signature: SIGNATURE });
    g.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    g.guard.watch('m', 2, 1);
    g.emit(2, false);
    vi.advanceTimersByTime(1000);
    expect(g.loads).toEqual(['m/1']);
    expect(g.guard.status('m')).toMatchObject({ version: 2, status: 'rolling-back' });

    // The admin promotes version 3 (as the alias route does) before version 1 has loaded.
    g.registry.setAlias('m', 'production', 3);
    expect(g.guard.watch('m', 3, 2)).toMatchObject({ version: 3, from: 2, status: 'watching' });
    loaded();
    await vi.waitFor(() => expect(g.guard.status('m')).toMatchObject({ version: 3, status: 'watching' }));
    await Promise.resolve();
    expect(g.registry.aliasVersion('m', 'production')).toBe(3);
    expect(g.registry.aliasHistory('m', 'production').filter((h) => h.action === 'auto-rollback')).toEqual([]);
    expect(g.audit).toEqual([]);
    expect(row()).toMatchObject({ status: 'watching' });
    g.guard.close();
  });

  it('leaves production on the version an admin promoted again while the guard was rolling it back, across a restart too', async () => {
    let loaded!: () => void;
    const g = startGuard(db, { load: () => new Promise<void>((resolve) => { loaded = resolve; }) });
    g.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    g.guard.watch('m', 2, 1);
    g.emit(2, false);
    vi.advanceTimersByTime(1000);
    expect(g.guard.status('m')).toMatchObject({ version: 2, status: 'rolling-back' });

    // The admin promotes version 2 again, production's version (as the alias route does), while version 1 loads:
    // production does not move, so only the guard can tell the rollback was overruled.
    g.registry.setAlias('m', 'production', 2);
    expect(g.guard.watch('m', 2, 2)).toBeNull();
    expect(g.guard.status('m')).toMatchObject({ version: 2, status: 'superseded', reason: 'production moved to version 2' });
    expect(row()).toMatchObject({ status: 'superseded' });
    loaded();
    await vi.waitFor(() => expect(g.loads).toEqual(['m/1']));
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(g.registry.aliasVersion('m', 'production')).toBe(2);
    expect(g.registry.aliasHistory('m', 'production').filter((h) => h.action === 'auto-rollback')).toEqual([]);
    expect(g.audit).toEqual([]);
    expect(g.guard.status('m')).toMatchObject({ status: 'superseded' });

    // Killed then: the next start has no rollback to finish.
    const restarted = startGuard(db);
    await Promise.resolve();
    expect(restarted.guard.status('m')).toMatchObject({ status: 'superseded' });
    expect(restarted.loads).toEqual([]);
    expect(restarted.registry.aliasVersion('m', 'production')).toBe(2);
    restarted.guard.close();
    g.guard.close();
  });

  it('keeps a rollback whose audit record failed as rolling back, not as moved by hand, and the next start writes the record', async () => {
    const failing = startGuard(db, { recordAdmin: () => Promise.reject(new Error('the usage log is closed')) });
    failing.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    failing.guard.watch('m', 2, 1);
    failing.emit(2, false);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(failing.guard.status('m')?.reason).toMatch(/audit record of the rollback is not committed \(the usage log is closed\)/));
    expect(failing.registry.aliasVersion('m', 'production')).toBe(1);
    expect(failing.guard.status('m')).toMatchObject({ status: 'rolling-back' });
    expect(failing.guard.status('m')?.reason).not.toMatch(/by hand/);
    expect(row()).toMatchObject({ status: 'rolling-back' });

    const restarted = startGuard(db);
    await vi.waitFor(() => expect(restarted.guard.status('m')).toMatchObject({ status: 'rolled-back', from: 1 }));
    expect(restarted.loads).toEqual([]);
    expect(restarted.audit).toMatchObject([{ action: 'auto-rollback', actor: 'system', model: 'm', version: 1, detail: { from: 2 } }]);
    restarted.guard.close();
    failing.guard.close();
  });

  it('does not write the rollback\'s record again at each start while the log refuses its chain', async () => {
    // Someone cut hearth.db: the log refuses its chain, and the rollback's record waits in the journal.
    const refusal = 'the audit chain in the database does not match its signed checkpoints';
    const failing = startGuard(db, { recordAdmin: () => Promise.reject(new Error(refusal)) });
    failing.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    failing.guard.watch('m', 2, 1);
    failing.emit(2, false);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(failing.guard.status('m')?.reason).toMatch(/audit record of the rollback is not committed/));

    // Two starts while it still refuses: neither adds a copy (each would be journaled, and committed once the chain is sound).
    for (let start = 0; start < 2; start++) {
      const restarted = startGuard(db, { auditRefusal: () => refusal });
      await vi.advanceTimersByTimeAsync(100);
      expect(restarted.audit).toEqual([]);
      expect(restarted.guard.status('m')).toMatchObject({ status: 'rolling-back' });
      restarted.guard.close();
    }
    // Sound again (restored from a backup without the journaled record): the next start writes it, once.
    const sound = startGuard(db, { auditRefusal: () => null });
    await vi.waitFor(() => expect(sound.guard.status('m')).toMatchObject({ status: 'rolled-back', from: 1 }));
    expect(sound.audit).toMatchObject([{ action: 'auto-rollback', model: 'm', version: 1, detail: { from: 2 } }]);
    sound.guard.close();
    failing.guard.close();
  });

  it('does not roll back twice when the server was killed after production moved back, and writes the audit record the kill lost', async () => {
    const killed = startGuard(db, { recordAdmin: () => new Promise<void>(() => undefined) });
    killed.guard.configure('m', { errorRate: 0.1, minRequests: 2, windowSeconds: 60 });
    killed.guard.watch('m', 2, 1);
    killed.emit(2, false);
    vi.advanceTimersByTime(1000);
    await vi.waitFor(() => expect(killed.registry.aliasVersion('m', 'production')).toBe(1));
    expect(row()).toMatchObject({ status: 'rolling-back' });

    // The killed process's record never reached the log (it is journaled a turn after production moves).
    const restarted = startGuard(db);
    await vi.waitFor(() => expect(restarted.guard.status('m')).toMatchObject({ status: 'rolled-back', from: 1 }));
    expect(row()).toMatchObject({ status: 'rolled-back' });
    expect(restarted.loads).toEqual([]);
    expect(restarted.audit).toMatchObject([{ action: 'auto-rollback', actor: 'system', model: 'm', version: 1, detail: { from: 2 } }]);
    expect(restarted.audit[0].reason).toMatch(/error rate 1\.000 over 2 requests/);
    expect(restarted.registry.aliasHistory('m', 'production').filter((h) => h.action === 'auto-rollback')).toHaveLength(1);
    restarted.guard.close();
  });
});
