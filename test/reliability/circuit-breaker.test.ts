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
    await register(s, 'lookup', gatherModel({ tableSize: 4 }));
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

  it('opens after five execution failures in a row, answers a fast 503 with Retry-After, then lets one trial through', async () => {
    await patchSettings(s, 'lookup', 1, { circuitCooldownMs: 1500 });
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 0 });

    // Validation errors are the client's, rejected before the queue: they never count.
    for (let i = 0; i < 8; i++) {
      const bad = await infer(s.url, 'lookup', [{ name: 'indices', datatype: 'FP32', shape: [1, 1], data: [1] }]);
      expect(bad.status).toBe(400);
    }
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(0);

    // Four execution failures, then a success: the run is broken and the count starts over.
    for (let i = 0; i < 4; i++) expect((await infer(s.url, 'lookup', gatherInput([9]))).status).toBe(400);
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(4);
    expect((await infer(s.url, 'lookup', gatherInput([3]))).status).toBe(200);
    expect((await circuit('lookup', 1)).consecutiveFailures).toBe(0);

    for (let i = 0; i < 5; i++) {
      const r = await infer(s.url, 'lookup', gatherInput([7]));
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
    const refused = await infer(s.url, 'lookup', gatherInput([1]));
    expect(refused.status).toBe(503);
    // Retry-After is the cool-down left, in whole seconds rounded up: 1.5 s at most here.
    expect(['1', '2']).toContain(refused.retryAfter);
    expect(refused.body.error).toMatch(/circuit breaker opened after 5 failures in a row/);
    expect(await ready('/v2/models/lookup/ready')).toBe(400);
    expect(await ready('/v2/health/ready')).toBe(200);

    // Half-open: the trial fails, so it opens again for another cool-down.
    await halfOpen('lookup', 1);
    expect((await infer(s.url, 'lookup', gatherInput([5]))).status).toBe(400);
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'open', opened: 2 });
    expect((await infer(s.url, 'lookup', gatherInput([1]))).status).toBe(503);

    // Half-open again: the trial succeeds and the circuit closes.
    await halfOpen('lookup', 1);
    const trial = await infer(s.url, 'lookup', gatherInput([2]));
    expect(trial.status).toBe(200);
    expect(trial.body.outputs?.[0].data).toEqual([2]);
    expect(await circuit('lookup', 1)).toMatchObject({ state: 'closed', consecutiveFailures: 0, opened: 2 });
    expect(await ready('/v2/models/lookup/ready')).toBe(200);
  });

  it('counts queue timeouts, and lets exactly one trial request through while half-open', async () => {
    await patchSettings(s, 'slow', 1, { circuitFailures: 3, circuitCooldownMs: 1500 });
    // One long execution holds the only instance; requests with a 1 ms timeout time out behind it.
    const long = infer(s.url, 'slow', slowInput(1500));
    await waitForExecutions(s, 'slow', 1, 2);
    const timedOut = await Promise.all([0, 1, 2].map(() => infer(s.url, 'slow', slowInput(1), { parameters: { timeout: 1000 } })));
    for (const r of timedOut) {
      expect(r.status).toBe(503);
      expect(r.body.error).toMatch(/waited longer than its timeout/);
    }
    expect(await circuit('slow', 1)).toMatchObject({ state: 'open', opened: 1 });
    expect((await infer(s.url, 'slow', slowInput(1))).status).toBe(503);
    // The request that was already running is not cut short by the circuit opening.
    expect((await long).status).toBe(200);

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
    for (let i = 0; i < 2; i++) expect((await infer(s.url, 'lookup', gatherInput([8]))).status).toBe(400);
    expect((await circuit('lookup', 1)).state).toBe('open');
    const reset = await json<{ circuit: Circuit }>(s.admin('/admin/v1/models/lookup/versions/1/circuit/reset', { method: 'POST' }));
    expect(reset.status).toBe(200);
    expect(reset.body.circuit.state).toBe('closed');
    expect((await infer(s.url, 'lookup', gatherInput([0]))).status).toBe(200);

    await patchSettings(s, 'lookup', 1, { circuitFailures: 0 });
    for (let i = 0; i < 6; i++) expect((await infer(s.url, 'lookup', gatherInput([8]))).status).toBe(400);
    expect((await circuit('lookup', 1)).state).toBe('closed');
    expect((await infer(s.url, 'lookup', gatherInput([1]))).status).toBe(200);
  });
});
