import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherModel } from '../../scripts/onnx-builder.js';
import { verifyBundle } from '../../server/usage/index.js';
import { json } from '../helpers/server.js';
import { spawnServer, type ChildServer } from './child.js';
import { gatherInput, infer, promote, register, waitFor } from './helpers.js';

interface Watch {
  version: number; from: number; startedAt: number; endsAt: number; status: string; requests: number; errors: number;
  errorRate: number | null; p99Ms: number | null; reason: string | null; resumedAt?: number | null;
}
interface GuardAnswer { guard: Record<string, number> | null; watch: Watch | null }

const setGuard = async (s: ChildServer, name: string, body: unknown) => expect((await s.admin(`/admin/v1/models/${name}/rollout-guard`, {
  method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
})).status).toBe(200);
const watchOf = async (s: ChildServer, name: string) =>
  (await json<GuardAnswer>(s.admin(`/admin/v1/models/${name}/rollout-guard`))).body.watch;
const production = async (s: ChildServer, name: string) =>
  (await json<{ aliases: Record<string, number> }>(s.admin(`/admin/v1/models/${name}`))).body.aliases.production;
/** Until the model's watch has come to `status` (a rollback: production moved and the audit record written). */
const settled = (s: ChildServer, name: string, status: string) => waitFor(async () => {
  const w = await watchOf(s, name);
  return w?.status === status ? w : undefined;
}, `the watch of ${name} to be ${status}`);

interface WatchRow { model: string; version: number; status: string; requests: number; errors: number; started_at: number; ends_at: number }

/** The stored watches, read straight from the database file (the server may be running: WAL lets a reader in). */
function storedWatches(dataDir: string): Map<string, WatchRow> {
  const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true });
  try {
    return new Map((db.prepare('SELECT * FROM rollout_watches').all() as WatchRow[]).map((r) => [r.model, r]));
  } finally {
    db.close();
  }
}

/** Changes the database file while the server is down, as an operator (or a crash at the right moment) could leave it. */
function editDatabase(dataDir: string, edit: (db: Database.Database) => void): void {
  const db = new Database(path.join(dataDir, 'hearth.db'));
  try {
    edit(db);
  } finally {
    db.close();
  }
}

/** Until the server has stored each model's watch with these request counts. */
const stored = (dataDir: string, counts: Record<string, number>) => waitFor(() => {
  const rows = storedWatches(dataDir);
  return Object.entries(counts).every(([model, n]) => rows.get(model)?.requests === n) ? rows : undefined;
}, `the stored counts ${JSON.stringify(counts)}`);

/**
 * v1 answers every index below 8; v2 is a broken upload (index 5 is past its table, and its own
 * warm-up input fails too, so the server cannot vouch for it and its failures count against it).
 */
async function lookupWithBrokenV2(s: ChildServer, name: string): Promise<void> {
  await register(s, name, gatherModel({ tableSize: 8, scale: 1 }));
  await register(s, name, gatherModel({ tableSize: 2, scale: 10, offset: 100 }));
  expect((await promote(s, name, 1)).status).toBe(200);
}

/**
 * A guarded rollout must stay guarded when the server goes down inside the window: killed (crash,
 * OOM, SIGKILL) and started again on the same data directory, the new version is still watched.
 */
describe('a guarded rollout across a server restart', () => {
  let dir: string | undefined;
  let child: ChildServer | undefined;

  afterEach(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await child?.exited;
    child = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  const kill = async (s: ChildServer) => {
    s.proc.kill('SIGKILL');
    expect(await s.exited).toBe('SIGKILL');
  };

  /** A fresh data directory and server where NAME's broken version 2 is promoted under a guard. */
  const promotedUnderGuard = async (name: string, minRequests: number): Promise<{ dataDir: string; first: ChildServer }> => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-guard-restart-'));
    dir = dataDir;
    const first = await spawnServer(dataDir);
    child = first;
    await lookupWithBrokenV2(first, name);
    await setGuard(first, name, { errorRate: 0.25, minRequests, windowSeconds: 3600 });
    expect((await promote(first, name, 2)).status).toBe(200);
    return { dataDir, first };
  };

  it('rolls a broken version back after the server was killed inside its window, and the audit log says so', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-guard-restart-'));
    child = await spawnServer(dir);
    await lookupWithBrokenV2(child, 'lookup');
    await setGuard(child, 'lookup', { errorRate: 0.25, minRequests: 8, windowSeconds: 3600 });
    const promoted = await promote(child, 'lookup', 2);
    expect(promoted.body.guard).toMatchObject({ version: 2, from: 1, status: 'watching' });
    await kill(child);

    child = await spawnServer(dir);
    const s = child;
    expect(await production(s, 'lookup')).toBe(2);
    for (let i = 0; i < 8; i++) expect([400, 503]).toContain((await infer(s.url, 'lookup', gatherInput([5]))).status);
    const watch = await settled(s, 'lookup', 'rolled-back');
    expect(await production(s, 'lookup')).toBe(1);
    expect(watch).toMatchObject({ version: 2, from: 1, requests: 8, errors: 8, errorRate: 1 });
    expect(watch.reason).toMatch(/error rate 1\.000 over 8 requests passed the guard's 0\.25/);
    expect(watch.resumedAt).toEqual(expect.any(Number));

    const after = await infer(s.url, 'lookup', gatherInput([5]));
    expect(after.status).toBe(200);
    expect(after.body.model_version).toBe('1');

    const history = (await json<{ aliasHistory: { version: number; action: string }[] }>(s.admin('/admin/v1/models/lookup'))).body.aliasHistory;
    expect(history.at(-1)).toMatchObject({ version: 1, action: 'auto-rollback' });
    const bundle = await (await s.admin('/admin/v1/audit/export')).text();
    expect((await verifyBundle(bundle)).ok).toBe(true);
    const records = bundle.split('\n').filter((l) => l.includes('"auto-rollback"'));
    expect(records).toHaveLength(1);
    expect(records[0]).toContain('"actor":"system"');
    expect(records[0]).toMatch(/rolled back automatically: error rate/);
  });

  it('resumes a watch with the counts it had stored, for the rest of its window', async () => {
    const { dataDir, first } = await promotedUnderGuard('lookup', 8);
    for (let i = 0; i < 3; i++) expect([400, 503]).toContain((await infer(first.url, 'lookup', gatherInput([5]))).status);
    await stored(dataDir, { lookup: 3 });
    const before = await watchOf(first, 'lookup');
    expect(before).toMatchObject({ status: 'watching', requests: 3, errors: 3, resumedAt: null });
    await kill(first);

    child = await spawnServer(dataDir);
    const s = child;
    const resumed = await watchOf(s, 'lookup');
    expect(resumed).toMatchObject({ version: 2, from: 1, status: 'watching', requests: 3, errors: 3, startedAt: before?.startedAt, endsAt: before?.endsAt });
    expect(resumed?.resumedAt).toEqual(expect.any(Number));
    // Five more failures make the eight the guard needs: counted with the three from before the kill.
    for (let i = 0; i < 5; i++) expect([400, 503]).toContain((await infer(s.url, 'lookup', gatherInput([5]))).status);
    const watch = await settled(s, 'lookup', 'rolled-back');
    expect(watch).toMatchObject({ requests: 8, errors: 8 });
    expect(watch.reason).toMatch(/error rate 1\.000 over 8 requests/);
    expect(await production(s, 'lookup')).toBe(1);
  });

  it('judges a watch whose window ended while the server was down, at start, on its stored counts', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-guard-restart-'));
    const dataDir = dir;
    child = await spawnServer(dataDir);
    const guard = { errorRate: 0.25, minRequests: 4, windowSeconds: 3600 };
    for (const name of ['steady', 'quiet']) {
      await register(child, name, gatherModel({ tableSize: 4, scale: 1 }));
      await register(child, name, gatherModel({ tableSize: 4, scale: 2 }));
      expect((await promote(child, name, 1)).status).toBe(200);
      await setGuard(child, name, guard);
      expect((await promote(child, name, 2)).status).toBe(200);
    }
    await lookupWithBrokenV2(child, 'broken');
    await setGuard(child, 'broken', guard);
    expect((await promote(child, 'broken', 2)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await infer(child.url, 'steady', gatherInput([1]))).body.model_version).toBe('2');
    expect((await infer(child.url, 'quiet', gatherInput([1]))).body.model_version).toBe('2');
    for (let i = 0; i < 2; i++) expect([400, 503]).toContain((await infer(child.url, 'broken', gatherInput([5]))).status);
    await stored(dataDir, { steady: 4, quiet: 1, broken: 2 });
    await kill(child);

    // While the server is down its windows end (moved here rather than waited for). The broken version's
    // last failures were stored, but the server was killed before it judged them.
    editDatabase(dataDir, (db) => {
      db.prepare('UPDATE rollout_watches SET ends_at = started_at + 1').run();
      db.prepare("UPDATE rollout_watches SET requests = 4, errors = 4 WHERE model = 'broken'").run();
    });

    child = await spawnServer(dataDir);
    const s = child;
    const steady = await watchOf(s, 'steady');
    expect(steady).toMatchObject({ version: 2, status: 'passed', requests: 4, errors: 0, errorRate: 0 });
    expect(steady?.resumedAt).toEqual(expect.any(Number));
    expect(await production(s, 'steady')).toBe(2);

    const quiet = await watchOf(s, 'quiet');
    expect(quiet).toMatchObject({ version: 2, status: 'inconclusive', requests: 1 });
    expect(quiet?.reason).toMatch(/only 1 requests in the 3600 s window; the guard needs 4/);
    expect(await production(s, 'quiet')).toBe(2);

    const broken = await settled(s, 'broken', 'rolled-back');
    expect(broken).toMatchObject({ version: 2, from: 1, requests: 4, errors: 4, errorRate: 1 });
    expect(broken.reason).toMatch(/error rate 1\.000 over 4 requests passed the guard's 0\.25/);
    expect(await production(s, 'broken')).toBe(1);
    const bundle = await (await s.admin('/admin/v1/audit/export')).text();
    const records = bundle.split('\n').filter((l) => l.includes('"auto-rollback"'));
    expect(records).toHaveLength(1);
    expect(records[0]).toContain('"model":"broken"');

    // Judged once: nothing is left to resume at the next start.
    expect([...storedWatches(dataDir).values()].map((r) => r.status).sort()).toEqual(['inconclusive', 'passed', 'rolled-back']);
  });

  /** The auto-rollback records in the audit export, which must verify. */
  const autoRollbacks = async (s: ChildServer) => {
    const bundle = await (await s.admin('/admin/v1/audit/export')).text();
    expect((await verifyBundle(bundle)).ok).toBe(true);
    return bundle.split('\n').filter((l) => l.includes('"auto-rollback"')).map((l) => JSON.parse(l) as Record<string, unknown>);
  };

  it('writes the audit record of a rollback whose process died after production moved back and before the record was journaled', async () => {
    const { dataDir, first } = await promotedUnderGuard('lookup', 8);
    await kill(first);

    // What a kill leaves one event-loop turn after the guard's rollback moved production (the audit
    // record is journaled at the end of that turn): the watch stored as rolling-back with its reason,
    // production on version 1 with an auto-rollback in its history, and no audit record.
    const reason = 'Version 2 of "lookup" was rolled back automatically: error rate 1.000 over 8 requests passed the guard\'s 0.25.';
    editDatabase(dataDir, (db) => {
      const modelId = (db.prepare("SELECT id FROM models WHERE name = 'lookup'").get() as { id: number }).id;
      const { started_at: startedAt } = db.prepare("SELECT started_at FROM rollout_watches WHERE model = 'lookup'").get() as { started_at: number };
      db.prepare("UPDATE rollout_watches SET status = 'rolling-back', reason = ?, requests = 8, errors = 8 WHERE model = 'lookup'").run(reason);
      db.prepare("UPDATE aliases SET version = 1 WHERE alias = 'production' AND model_id = ?").run(modelId);
      db.prepare("INSERT INTO alias_history (model_id, alias, version, action, reason, changed_at) VALUES (?, 'production', 1, 'auto-rollback', ?, ?)")
        .run(modelId, reason, startedAt + 1000);
    });

    child = await spawnServer(dataDir);
    const s = child;
    const watch = await settled(s, 'lookup', 'rolled-back');
    expect(watch).toMatchObject({ version: 2, from: 1, reason });
    expect(await production(s, 'lookup')).toBe(1);
    const records = await autoRollbacks(s);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ action: 'auto-rollback', actor: 'system', model: 'lookup', version: 1, reason });
    expect(storedWatches(dataDir).get('lookup')).toMatchObject({ status: 'rolled-back' });
    await kill(child);

    // Written once: the next start finds nothing to finish.
    child = await spawnServer(dataDir);
    expect(await watchOf(child, 'lookup')).toMatchObject({ status: 'rolled-back' });
    expect(await autoRollbacks(child)).toHaveLength(1);
  });

  it('does not write the audit record again when the process died after it, before the watch stored its outcome', async () => {
    const { dataDir, first } = await promotedUnderGuard('lookup', 8);
    for (let i = 0; i < 8; i++) expect([400, 503]).toContain((await infer(first.url, 'lookup', gatherInput([5]))).status);
    await settled(first, 'lookup', 'rolled-back');
    expect(await autoRollbacks(first)).toHaveLength(1);
    await kill(first);
    // As a kill after the record and before the watch's outcome was stored leaves it.
    editDatabase(dataDir, (db) => { db.prepare("UPDATE rollout_watches SET status = 'rolling-back' WHERE model = 'lookup'").run(); });

    child = await spawnServer(dataDir);
    const s = child;
    await settled(s, 'lookup', 'rolled-back');
    expect(await production(s, 'lookup')).toBe(1);
    expect(await autoRollbacks(s)).toHaveLength(1);
  });

  it('drops, not resumes, a watch whose production was moved while the server was down', async () => {
    const { dataDir, first } = await promotedUnderGuard('moved', 2);
    await kill(first);

    editDatabase(dataDir, (db) => {
      db.prepare("UPDATE aliases SET version = 1 WHERE alias = 'production' AND model_id = (SELECT id FROM models WHERE name = 'moved')").run();
    });

    child = await spawnServer(dataDir);
    const s = child;
    const watch = await watchOf(s, 'moved');
    expect(watch).toMatchObject({ version: 2, status: 'superseded' });
    expect(watch?.reason).toMatch(/production no longer pointed at version 2 \(it pointed at version 1\)/);
    expect(watch?.resumedAt).toEqual(expect.any(Number));
    // Failures on version 2 by number move nothing: the watch is over.
    for (let i = 0; i < 4; i++) expect([400, 503]).toContain((await infer(s.url, 'moved', gatherInput([5]), { version: 2 })).status);
    expect(await production(s, 'moved')).toBe(1);
    expect(await watchOf(s, 'moved')).toMatchObject({ status: 'superseded', requests: 0 });
    const history = (await json<{ aliasHistory: { action: string }[] }>(s.admin('/admin/v1/models/moved'))).body.aliasHistory;
    expect(history.map((h) => h.action)).not.toContain('auto-rollback');
  });

  it('leaves nothing to resume after the guard is removed or the model deleted', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-guard-restart-'));
    const dataDir = dir;
    child = await spawnServer(dataDir);
    for (const name of ['unguarded', 'deleted']) {
      await lookupWithBrokenV2(child, name);
      await setGuard(child, name, { errorRate: 0.25, minRequests: 2, windowSeconds: 3600 });
      expect((await promote(child, name, 2)).body.guard).toMatchObject({ status: 'watching' });
    }
    expect((await json<{ removed: boolean }>(child.admin('/admin/v1/models/unguarded/rollout-guard', { method: 'DELETE' }))).body.removed).toBe(true);
    expect((await child.admin('/admin/v1/models/deleted', { method: 'DELETE' })).status).toBe(200);
    await kill(child);
    const rows = storedWatches(dataDir);
    expect(rows.get('unguarded')).toMatchObject({ status: 'superseded' });
    expect(rows.has('deleted')).toBe(false);

    child = await spawnServer(dataDir);
    const s = child;
    const unguarded = await watchOf(s, 'unguarded');
    expect(unguarded).toMatchObject({ version: 2, status: 'superseded', reason: 'the rollout guard was removed', resumedAt: null });
    for (let i = 0; i < 4; i++) expect([400, 503]).toContain((await infer(s.url, 'unguarded', gatherInput([5]))).status);
    expect(await production(s, 'unguarded')).toBe(2);

    // A model of the same name, uploaded again: no watch of the old one comes back with it.
    await register(s, 'deleted', gatherModel({ tableSize: 8, scale: 1 }));
    await register(s, 'deleted', gatherModel({ tableSize: 2, scale: 10, offset: 100 }));
    expect((await promote(s, 'deleted', 2)).status).toBe(200);
    expect(await watchOf(s, 'deleted')).toBeNull();
    for (let i = 0; i < 4; i++) expect([400, 503]).toContain((await infer(s.url, 'deleted', gatherInput([5]))).status);
    expect(await production(s, 'deleted')).toBe(2);
    expect(await watchOf(s, 'deleted')).toBeNull();
  });
});
