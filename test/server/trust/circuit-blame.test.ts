import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherModel, mismatchModel, slowModel } from '../../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../../helpers/server.js';
import {
  gatherInput, infer, patchSettings, promote, register, slowInput, waitFor, waitForExecutions, type InferAnswer,
} from '../../reliability/helpers.js';

interface Circuit { state: string; consecutiveFailures: number; opened: number }
interface Watch { version: number; status: string; requests: number; errors: number; errorRate: number | null }

/**
 * Attacks on the per-version circuit breaker and the rollout guard by one key holder: failures the
 * client causes itself (its own tiny `timeout`, inputs the model cannot run) must not shut the
 * version for every other tenant, nor roll back a promote.
 */
describe('a client cannot open the circuit, or roll back a promote, for everyone', () => {
  let s: TestServer;
  let mallory: Record<string, string>;
  let alice: Record<string, string>;

  const keyFor = async (name: string) => {
    const r = await json<{ key: string }>(s.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, scopes: ['infer', 'metadata'] }),
    }));
    expect(r.status).toBe(201);
    return { authorization: `Bearer ${r.body.key}` };
  };
  const circuit = async (name: string, version: number): Promise<Circuit> =>
    (await json<{ circuit: Circuit }>(s.admin(`/admin/v1/models/${name}/versions/${version}`))).body.circuit;
  const setGuard = async (name: string, body: unknown) => expect((await s.admin(`/admin/v1/models/${name}/rollout-guard`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  })).status).toBe(200);
  const watchOf = async (name: string) =>
    (await json<{ watch: Watch | null }>(s.admin(`/admin/v1/models/${name}/rollout-guard`))).body.watch;
  const production = async (name: string) =>
    (await json<{ aliases: Record<string, number> }>(s.admin(`/admin/v1/models/${name}`))).body.aliases.production;
  /** Until the guard has judged at least `requests` requests of the watch (or already acted). */
  const judged = (name: string, requests: number) => waitFor(async () => {
    const w = await watchOf(name);
    return w && (w.status !== 'watching' || (w.requests >= requests && w.errorRate !== null)) ? w : undefined;
  }, `the guard's verdict on ${name}`);

  beforeAll(async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    mallory = await keyFor('mallory');
    alice = await keyFor('alice');
    // Three times the default depth: one long inference outlasts the requests sent while it runs.
    await register(s, 'slow', slowModel({ depth: 600 }));
    await register(s, 'lookup', gatherModel({ tableSize: 4 }));
    await register(s, 'mismatch', mismatchModel());
  });
  afterAll(async () => { await s?.stop(); });

  it('tiny timeouts from one key under load do not open the circuit: another tenant is served', async () => {
    const long = infer(s.url, 'slow', slowInput(1500), { headers: mallory });
    await waitForExecutions(s, 'slow', 1, 2);
    const timedOut = await Promise.all(Array.from({ length: 8 }, () =>
      infer(s.url, 'slow', slowInput(1), { parameters: { timeout: 1 }, headers: mallory })));
    for (const r of timedOut) {
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/waited longer than its timeout/);
    }
    const served = await infer(s.url, 'slow', slowInput(1), { headers: alice });
    expect(served.status).toBe(200);
    expect(await circuit('slow', 1)).toMatchObject({ state: 'closed', opened: 0 });
    expect((await long).status).toBe(200);
  });

  it('inputs that make the model fail inside onnxruntime are a 400 for that key alone: the circuit stays closed', async () => {
    const bad: InferAnswer[] = [];
    // One at a time (the HTTP thread runs this small model when a request is alone) and all at once
    // (joined into one batch, run on the HTTP thread for a model this small, that fails and is retried one by one).
    for (let i = 0; i < 6; i++) bad.push(await infer(s.url, 'lookup', gatherInput([9]), { headers: mallory }));
    bad.push(...await Promise.all(Array.from({ length: 6 }, () => infer(s.url, 'lookup', gatherInput([7, 1]), { headers: mallory }))));
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/out of data bounds/);
    }
    // A dynamic width the client chose that the graph cannot add: onnxruntime's message, a 400.
    for (let i = 0; i < 6; i++) {
      const r = await infer(s.url, 'mismatch', [
        { name: 'a', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
        { name: 'b', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
      ], { headers: mallory });
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/broadcast/);
    }
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 0 });
    expect(await circuit('mismatch', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 0 });
    const served = await infer(s.url, 'lookup', gatherInput([3]), { headers: alice });
    expect(served.status).toBe(200);
    expect(served.body.outputs?.[0].data).toEqual([3]);
    const added = await infer(s.url, 'mismatch', [
      { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
      { name: 'b', datatype: 'FP32', shape: [1, 2], data: [10, 20] },
    ], { headers: alice });
    expect(added.status).toBe(200);
    expect(added.body.outputs?.[0].data).toEqual([11, 22]);
  });

  it('bad inputs from one key during a guarded promote do not roll it back', async () => {
    await register(s, 'guarded', gatherModel({ tableSize: 4, scale: 1 }));
    await register(s, 'guarded', gatherModel({ tableSize: 4, scale: 2 }));
    expect((await promote(s, 'guarded', 1)).status).toBe(200);
    // The guard alone is under test here, not the breaker (whose attack is the test above).
    await patchSettings(s, 'guarded', 2, { circuitFailures: 0 });
    await setGuard('guarded', { errorRate: 0.25, minRequests: 8, windowSeconds: 600 });
    expect((await promote(s, 'guarded', 2)).status).toBe(200);

    // An index no version of the model has: the input is at fault, not version 2.
    for (let i = 0; i < 8; i++) expect((await infer(s.url, 'guarded', gatherInput([9]), { headers: mallory })).status).toBe(400);
    for (let i = 0; i < 8; i++) expect((await infer(s.url, 'guarded', gatherInput([1]), { headers: alice })).body.model_version).toBe('2');
    const watch = await judged('guarded', 8);
    expect(watch).toMatchObject({ version: 2, status: 'watching', requests: 8, errors: 0, errorRate: 0 });
    expect(await production('guarded')).toBe(2);
  });

  it('tiny timeouts from one key during a guarded promote do not roll it back', async () => {
    await register(s, 'slowguarded', slowModel({ depth: 600, seed: 4 }));
    await register(s, 'slowguarded', slowModel({ depth: 600, seed: 5 }));
    expect((await promote(s, 'slowguarded', 1)).status).toBe(200);
    await setGuard('slowguarded', { errorRate: 0.25, minRequests: 4, windowSeconds: 600 });
    expect((await promote(s, 'slowguarded', 2)).status).toBe(200);

    const long = infer(s.url, 'slowguarded', slowInput(1500), { headers: mallory });
    await waitForExecutions(s, 'slowguarded', 2, 2);
    const timedOut = await Promise.all(Array.from({ length: 6 }, () =>
      infer(s.url, 'slowguarded', slowInput(1), { parameters: { timeout: 1 }, headers: mallory })));
    for (const r of timedOut) expect(r.status).toBe(503);
    expect((await long).status).toBe(200);
    for (let i = 0; i < 3; i++) expect((await infer(s.url, 'slowguarded', slowInput(1), { headers: alice })).status).toBe(200);
    const watch = await judged('slowguarded', 4);
    expect(watch).toMatchObject({ version: 2, status: 'watching', requests: 4, errors: 0, errorRate: 0 });
    expect(await production('slowguarded')).toBe(2);
  });
});
