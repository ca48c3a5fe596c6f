import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherModel } from '../../scripts/onnx-builder.js';
import { verifyBundle } from '../../server/usage/index.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { gatherInput, infer, promote, register, waitFor } from './helpers.js';

interface Watch { version: number; from: number; status: string; requests: number; errors: number; errorRate: number | null; p99Ms: number | null; reason: string | null }
interface GuardAnswer { guard: Record<string, number> | null; watch: Watch | null }

describe('guarded rollouts', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
  });
  afterAll(async () => { await s?.stop(); });

  const setGuard = (name: string, body: unknown) => json<GuardAnswer>(s.admin(`/admin/v1/models/${name}/rollout-guard`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  }));
  const guardOf = async (name: string) => (await json<GuardAnswer>(s.admin(`/admin/v1/models/${name}/rollout-guard`))).body;
  const production = async (name: string) =>
    (await json<{ aliases: Record<string, number> }>(s.admin(`/admin/v1/models/${name}`))).body.aliases.production;
  const settled = (name: string, status: string) =>
    waitFor(async () => { const g = await guardOf(name); return g.watch?.status === status ? g.watch : undefined; }, `watch ${status}`);

  it('moves production back when the new version\'s error rate passes the threshold, and the audit log says why', async () => {
    // v2 is a broken upload: index 5 works on v1 and fails on v2 after validation, and v2 fails on
    // the server's own warm-up input too, so the server cannot vouch for it and its failures count.
    // (A failure on an input the new version's warm-up shows it can otherwise run is the client's;
    // test/server/trust/circuit-blame.test.ts.)
    await register(s, 'lookup', gatherModel({ tableSize: 8, scale: 1 }));
    await register(s, 'lookup', gatherModel({ tableSize: 2, scale: 10, offset: 100 }));
    expect((await promote(s, 'lookup', 1)).status).toBe(200);

    expect((await setGuard('lookup', {})).status).toBe(400);
    expect((await setGuard('lookup', { errorRate: 2 })).status).toBe(400);
    const set = await setGuard('lookup', { errorRate: 0.25, minRequests: 8, windowSeconds: 120 });
    expect(set.status).toBe(200);
    expect(set.body.guard).toEqual({ errorRate: 0.25, minRequests: 8, windowSeconds: 120 });

    const promoted = await promote(s, 'lookup', 2);
    expect(promoted.status).toBe(200);
    expect(promoted.body.guard).toMatchObject({ version: 2, from: 1, status: 'watching' });

    // Eight requests on production: every one fails on v2 (the circuit opens after five; still failures).
    for (let i = 0; i < 8; i++) {
      const r = await infer(s.url, 'lookup', gatherInput([5]));
      expect([400, 503]).toContain(r.status);
    }
    const watch = await settled('lookup', 'rolled-back');
    expect(watch).toMatchObject({ version: 2, from: 1, requests: 8, errors: 8, errorRate: 1 });
    expect(watch.reason).toMatch(/error rate 1\.000 over 8 requests passed the guard's 0\.25/);
    expect(await production('lookup')).toBe(1);

    // Traffic is back on v1, which stayed warm.
    const after = await infer(s.url, 'lookup', gatherInput([5]));
    expect(after.status).toBe(200);
    expect(after.body.model_version).toBe('1');
    expect(after.body.outputs?.[0].data).toEqual([5]);

    const history = (await json<{ aliasHistory: { version: number; action: string; reason: string }[] }>(s.admin('/admin/v1/models/lookup'))).body.aliasHistory;
    expect(history.at(-1)).toMatchObject({ version: 1, action: 'auto-rollback' });
    expect(history.at(-1)?.reason).toMatch(/error rate/);

    const bundle = await (await s.admin('/admin/v1/audit/export')).text();
    expect((await verifyBundle(bundle)).ok).toBe(true);
    const records = bundle.split('\n').filter((l) => l.includes('"auto-rollback"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toHaveLength(1);
    const [rec] = records;
    const flat = JSON.stringify(rec);
    expect(flat).toContain('"actor":"system"');
    expect(flat).toMatch(/rolled back automatically: error rate/);
  });

  it('rolls back on p99 latency, and leaves a version alone that stays under its thresholds', async () => {
    await register(s, 'fast', gatherModel({ tableSize: 4, scale: 1 }));
    await register(s, 'fast', gatherModel({ tableSize: 4, scale: 2 }));
    await register(s, 'fast', gatherModel({ tableSize: 4, scale: 3 }));
    expect((await promote(s, 'fast', 1)).status).toBe(200);

    // No inference takes under a nanosecond: this threshold is passed by the first requests.
    expect((await setGuard('fast', { p99Ms: 0.000001, minRequests: 3, windowSeconds: 120 })).status).toBe(200);
    expect((await promote(s, 'fast', 2)).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await infer(s.url, 'fast', gatherInput([1]))).status).toBe(200);
    const latency = await settled('fast', 'rolled-back');
    expect(latency.reason).toMatch(/p99 latency [0-9.]+ ms over 3 requests passed the guard's 0.000001 ms/);
    expect(await production('fast')).toBe(1);

    // A generous guard and a good version: after its short window the watch passes and production stays.
    expect((await setGuard('fast', { errorRate: 0.5, p99Ms: 60_000, minRequests: 2, windowSeconds: 2 })).status).toBe(200);
    expect((await promote(s, 'fast', 3)).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await infer(s.url, 'fast', gatherInput([2]))).body.model_version).toBe('3');
    const passed = await settled('fast', 'passed');
    expect(passed).toMatchObject({ version: 3, requests: 4, errors: 0, errorRate: 0 });
    expect(await production('fast')).toBe(3);
  });

  it('stops watching when production is moved by hand, and watches nothing without a guard', async () => {
    await register(s, 'manual', gatherModel({ tableSize: 4, scale: 1 }));
    await register(s, 'manual', gatherModel({ tableSize: 2, scale: 5 }));
    expect((await promote(s, 'manual', 1)).status).toBe(200);
    const unguarded = await promote(s, 'manual', 2);
    expect(unguarded.body.guard).toBeNull();

    expect((await json(s.admin('/admin/v1/models/manual/rollback', { method: 'POST' }))).status).toBe(200);
    expect((await setGuard('manual', { errorRate: 0.1, minRequests: 1, windowSeconds: 120 })).status).toBe(200);
    expect((await promote(s, 'manual', 2)).body.guard).toMatchObject({ status: 'watching' });
    expect((await json(s.admin('/admin/v1/models/manual/rollback', { method: 'POST' }))).status).toBe(200);
    expect((await guardOf('manual')).watch).toMatchObject({ version: 2, status: 'superseded' });
    // Failures on v2 by number no longer move production: the watch is over.
    expect((await infer(s.url, 'manual', gatherInput([3]), { version: 2 })).status).toBe(400);
    expect(await production('manual')).toBe(1);

    const removed = await json<{ removed: boolean }>(s.admin('/admin/v1/models/manual/rollout-guard', { method: 'DELETE' }));
    expect(removed.body.removed).toBe(true);
    expect((await guardOf('manual')).guard).toBeNull();
  });

  it('forgets the guard of a deleted model: a new model of the same name starts without one', async () => {
    await register(s, 'reused', gatherModel({ tableSize: 4, scale: 1 }));
    expect((await setGuard('reused', { errorRate: 0.1, minRequests: 1, windowSeconds: 120 })).status).toBe(200);
    expect((await json(s.admin('/admin/v1/models/reused', { method: 'DELETE' }))).status).toBe(200);

    // Someone else's model under the old name: a guard it never asked for would roll its promotions back.
    await register(s, 'reused', gatherModel({ tableSize: 2, scale: 5 }));
    await register(s, 'reused', gatherModel({ tableSize: 2, scale: 7 }));
    expect((await promote(s, 'reused', 1)).status).toBe(200);
    expect((await guardOf('reused')).guard).toBeNull();
    expect((await promote(s, 'reused', 2)).body.guard).toBeNull();
  });
});
