import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gatherModel, slowModel } from '../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import {
  gatherInput, infer, patchSettings, register, slowInput, waitFor, waitForExecutions,
} from './helpers.js';

interface Circuit { state: string; consecutiveFailures: number; opened: number; retryAfterMs: number; lastFailure: string | null }

describe('circuit breakers per model version', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    // Indices 100-103 work; the all-zero warm-up fails, so the server has no input it knows this
    // version runs, cannot vouch for it, and counts its execution failures (version-health.ts).
    await register(s, 'lookup', gatherModel({ tableSize: 4, offset: 100 }));
    // Three times the default depth: a long inference outlasts the requests sent while it runs.
    await register(s, 'slow', slowModel({ depth: 600 }));
  });
  afterAll(async () => { await s?.stop(); });

  const circuit = async (name: string, version: number): Promise<Circuit> =>
    (await json<{ circuit: Circuit }>(s.admin(`/admin/v1/models/${name}/versions/${version}`))).body.circuit;
  const statsCircuit = async (name: string, version: number): Promise<Circuit> =>
    (await json<{ model_stats: { parameters: { circuit: Circuit } }[] }>(fetch(`${s.url}/v2/models/${name}/versions/${version}/stats`)))
      .body.model_stats[0].parameters.circuit;
  const ready = async (path: string) => (await fetch(`${s.url}${path}`)).status;
  const halfOpen = (name: string, version: number) =>
    waitFor(async () => ((await circuit(name, version)).state === 'half_open' ? true : undefined), 'half-open');
  const lookup = (index: number) => gatherInput([100 + index]);
  /** The worker session of a version's first instance, and its worker. */
  const sessionOf = (name: string, version: number) => {
    const worker = s.services.pool.workers.find((w) => [...w.sessions].some((k) => k.startsWith(`${name}:${version}:`)));
    const key = worker && [...worker.sessions].find((k) => k.startsWith(`${name}:${version}:`));
    if (!worker || !key) throw new Error(`no session of ${name} v${version}`);
    return { worker, key };
  };

  it('opens after five failures in a row of a version the server cannot vouch for, answers a fast 503 with Retry-After, then lets one trial through', async () => {
    await patchSettings(s, 'lookup', 1, { circuitCooldownMs: 1500 });
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 0 });

    // Validation errors are the client's, rejected before the queue: they never count.
    for (let i = 0; i < 8; i++) {
      const bad = await infer(s.url, 'lookup', [{ name: 'indices', datatype: 'FP32', shape: [1, 1], data: [1] }]);
      expect(bad.status).toBe(400);
    }
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(0);

    // Its warm-up failed: the version's reason says so, and its execution failures count (still a
    // 400: the input may be at fault). Four, then a success: the run is broken and the count starts over.
    expect((await json<{ name: string; reason: string }[]>(fetch(`${s.url}/v2/repository/index`, { method: 'POST' }))).body
      .find((r) => r.name === 'lookup')?.reason).toMatch(/warm-up inference failed/);
    for (let i = 0; i < 4; i++) expect((await infer(s.url, 'lookup', lookup(9))).status).toBe(400);
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(4);
    expect((await infer(s.url, 'lookup', lookup(3))).status).toBe(200);
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(0);

    for (let i = 0; i < 5; i++) {
      const r = await infer(s.url, 'lookup', lookup(7));
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/out of data bounds/);
    }
    const open = await circuit('lookup', 1);
    expect(open).toMatchObject({ state: 'open', opened: 1 });
    expect(open.lastFailure).toMatch(/out of data bounds/);
    expect(await statsCircuit('lookup', 1)).toMatchObject({ state: 'open', opened: 1 });
    const { body: list } = await json<{ circuits: (Circuit & { name: string; version: number })[] }>(s.admin('/admin/v1/circuits'));
    expect(list.circuits.find((c) => c.name === 'lookup' && c.version === 1)?.state).toBe('open');
    const metrics = await (await s.admin('/metrics')).text();
    expect(metrics).toContain('hearth_circuit_state{model="lookup",version="1",state="open"} 1');
    expect(metrics).toContain('hearth_circuit_state{model="lookup",version="1",state="closed"} 0');

    // A good request is refused too, without running: the circuit is open.
    const refused = await infer(s.url, 'lookup', lookup(1));
    expect(refused.status).toBe(503);
    // Retry-After is the cool-down left, in whole seconds rounded up: 1.5 s at most here.
    expect(['1', '2']).toContain(refused.retryAfter);
    expect(refused.body.error).toMatch(/circuit breaker opened after 5 failures in a row/);
    expect(await ready('/v2/models/lookup/ready')).toBe(400);
    expect(await ready('/v2/health/ready')).toBe(200);

    // Half-open: the trial fails, so it opens again for another cool-down.
    await halfOpen('lookup', 1);
    expect((await infer(s.url, 'lookup', lookup(5))).status).toBe(400);
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'open', opened: 2 });
    expect((await infer(s.url, 'lookup', lookup(1))).status).toBe(503);

    // Half-open again: the trial succeeds and the circuit closes.
    await halfOpen('lookup', 1);
    const trial = await infer(s.url, 'lookup', lookup(2));
    expect(trial.status).toBe(200);
    expect(trial.body.outputs?.[0].data).toEqual([2]);
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 2 });
    expect(await ready('/v2/models/lookup/ready')).toBe(200);
  });

  it('counts a run that fails the server\'s own check input too (a 500), and lets exactly one trial request through while half-open', async () => {
    await patchSettings(s, 'slow', 1, { circuitFailures: 3, circuitCooldownMs: 1500 });
    expect((await infer(s.url, 'slow', slowInput(1))).status).toBe(200);
    // The session is lost from its worker behind the scheduler's back: every run fails, the
    // version's warm-up input included, so the failures are the server's.
    const { worker, key } = sessionOf('slow', 1);
    await worker.send({ op: 'unload', key });
    for (let i = 0; i < 3; i++) {
      const r = await infer(s.url, 'slow', slowInput(1));
      expect(r.status).toBe(500);
      expect(r.body.error).toMatch(/failed on this request and on the server's own check input too.*is not loaded/);
    }
    expect(await circuit('slow', 1)).toMatchObject({ state: 'open', opened: 1 });
    const refused = await infer(s.url, 'slow', slowInput(1));
    expect(refused.status).toBe(503);
    expect(refused.body.error).toMatch(/circuit breaker opened after 3 failures in a row/);

    // The session is back (as after a worker is replaced); the circuit lets one trial through.
    await s.services.models.reloadLostSessions([key]);
    await halfOpen('slow', 1);
    const before = (await json<{ model_stats: { inference_stats: { queue: { count: number } } }[] }>(
      fetch(`${s.url}/v2/models/slow/versions/1/stats`))).body.model_stats[0].inference_stats.queue.count;
    const trial = infer(s.url, 'slow', slowInput(1500));
    await waitForExecutions(s, 'slow', 1, before + 1);
    const second = await infer(s.url, 'slow', slowInput(1));
    expect(second.status).toBe(503);
    expect(second.body.error).toMatch(/trial request is running/);
    expect((await trial).status).toBe(200);
    expect((await circuit('slow', 1)).state).toBe('closed');
    expect((await infer(s.url, 'slow', slowInput(1))).status).toBe(200);
  });

  it('closes by hand through the admin API, and never opens when the threshold is 0', async () => {
    await patchSettings(s, 'lookup', 1, { circuitFailures: 2, circuitCooldownMs: 60_000 });
    for (let i = 0; i < 2; i++) expect((await infer(s.url, 'lookup', lookup(8))).status).toBe(400);
    expect((await circuit('lookup', 1)).state).toBe('open');
    const reset = await json<{ circuit: Circuit }>(s.admin('/admin/v1/models/lookup/versions/1/circuit/reset', { method: 'POST' }));
    expect(reset.status).toBe(200);
    expect(reset.body.circuit.state).toBe('closed');
    expect((await infer(s.url, 'lookup', lookup(0))).status).toBe(200);

    await patchSettings(s, 'lookup', 1, { circuitFailures: 0 });
    for (let i = 0; i < 6; i++) expect((await infer(s.url, 'lookup', lookup(8))).status).toBe(400);
    expect((await circuit('lookup', 1)).state).toBe('closed');
    expect((await infer(s.url, 'lookup', lookup(1))).status).toBe(200);
  });
});
