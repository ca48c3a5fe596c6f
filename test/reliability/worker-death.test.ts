import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherModel, slowModel } from '../../scripts/onnx-builder.js';
import { json, startTestServer, upload, type TestServer } from '../helpers/server.js';
import {
  gatherInput, infer, loadLoop, moreTraffic, promote, slowInput, waitFor, waitForExecutions,
} from './helpers.js';

/** The worker thread holding a version's session (its index in the pool). */
function workerOf(s: TestServer, name: string, version: number): number {
  const w = s.services.pool.workers.find((x) => [...x.sessions].some((k) => k.startsWith(`${name}:${version}:`)));
  if (!w) throw new Error(`no worker holds ${name} v${version}`);
  return w.index;
}

/** Posts the crash; the returned promise settles once the worker has died. */
const crash = (s: TestServer, index: number) => s.services.pool.workers[index].send({ op: 'crash' }).catch(() => undefined);

/**
 * Two workers: slow v1 and v3 share one (the victim), slow v2 and the "lookup" model the other.
 * A worker dies between messages (a fatal error in its thread), so the inference it is running
 * returns first; what was sent to it after the crash is what the crash takes down.
 */
async function setup(s: TestServer): Promise<{ victim: number; shas: string[] }> {
  const shas: string[] = [];
  // Three times the default depth: the long inference below runs for seconds, well past the
  // moment the crash and the request after it are sent, even on a busy machine.
  for (const seed of [3, 4, 5]) shas.push((await json<{ sha256: string }>(upload(s, 'slow', slowModel({ seed, depth: 600 })))).body.sha256);
  expect((await upload(s, 'lookup', gatherModel())).status).toBe(201);
  expect((await promote(s, 'slow', 1)).status).toBe(200);
  for (const v of [2, 3]) expect((await s.admin(`/admin/v1/models/slow/versions/${v}/load`, { method: 'POST' })).status).toBe(200);
  expect((await promote(s, 'lookup', 1)).status).toBe(200);
  const victim = workerOf(s, 'slow', 1);
  expect(workerOf(s, 'slow', 3)).toBe(victim);
  expect(workerOf(s, 'lookup', 1)).not.toBe(victim);
  return { victim, shas };
}

/** Crashes the victim while it runs a long inference on v1, with a request for v3 sent after the crash. */
async function crashUnderLoad(s: TestServer, victim: number) {
  const running = infer(s.url, 'slow', slowInput(3000));
  await waitForExecutions(s, 'slow', 1, 2);
  const died = crash(s, victim);
  const caught = await infer(s.url, 'slow', slowInput(2), { version: 3 });
  await died;
  const first = await running;
  // It ran before the crash was read; its answer may still be lost with the thread (a 503 then).
  if (first.status !== 200) {
    expect(first.status).toBe(503);
    expect(first.body.error).toMatch(/inference worker \d+ stopped/);
  }
  return { caught };
}

describe('a worker thread that dies', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('fails the requests it held with a clear 503, is replaced with its sessions, and other models keep serving', async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    const server = s;
    const { victim } = await setup(server);
    const lookup = loadLoop(() => infer(server.url, 'lookup', gatherInput([1, 3])), { clients: 2 });
    await moreTraffic(lookup);

    const { caught } = await crashUnderLoad(server, victim);
    expect(caught.status).toBe(503);
    expect(caught.body.error).toMatch(/inference worker \d+ stopped .*retry the request/);
    expect(caught.retryAfter).toBe('1');

    // Sent while the replacement reloads its sessions: these wait for it, then run.
    const after = await Promise.all([
      infer(server.url, 'slow', slowInput(2)), infer(server.url, 'slow', slowInput(3), { version: 3 }),
    ]);
    expect(after.map((a) => [a.status, a.body.model_version, a.body.outputs?.[0].data.length])).toEqual([[200, '1', 512], [200, '3', 768]]);
    const worker = server.services.pool.workers[victim];
    expect(worker.alive).toBe(true);
    expect([...worker.sessions].map((k) => k.split(':').slice(0, 2).join(':')).sort()).toEqual(['slow:1', 'slow:3']);
    expect((await fetch(`${server.url}/v2/models/slow/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    // A crash is not the model's fault: the circuit did not count it.
    const circuit = (await json<{ circuit: { consecutiveFailures: number; state: string } }>(server.admin('/admin/v1/models/slow/versions/3'))).body.circuit;
    expect(circuit).toMatchObject({ state: 'closed', consecutiveFailures: 0 });

    await moreTraffic(lookup);
    const result = await lookup.stop();
    expect(result.failures).toEqual([]);
    expect([...result.statuses.keys()]).toEqual([200]);
  });

  it('turns readiness false, and answers 503s that say why, when a lost version cannot be reloaded', async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    const server = s;
    const { victim, shas } = await setup(server);
    // The production version's file is gone, so the replacement worker cannot open it again.
    await rm(path.join(server.dataDir, 'blobs', 'sha256', shas[0].slice(0, 2), shas[0]));
    const { caught } = await crashUnderLoad(server, victim);
    expect(caught.status).toBe(503);

    await waitFor(async () => ((await fetch(`${server.url}/v2/health/ready`)).status === 400 ? true : undefined), 'not ready');
    expect((await fetch(`${server.url}/v2/models/slow/ready`)).status).toBe(400);
    const slowIndex = async () => (await json<{ name: string; version: string; state: string; reason: string }[]>(
      fetch(`${server.url}/v2/repository/index`, { method: 'POST' }))).body.filter((r) => r.name === 'slow');
    // While the replacement worker tries to reopen it, the version already reads UNAVAILABLE ("reloading…");
    // once that fails for good it is unloaded.
    expect((await slowIndex())[0].state).toBe('UNAVAILABLE');
    // The version that shared the dead worker comes back; the one whose file is gone is given up on.
    await waitFor(async () => {
      const rows = await slowIndex();
      return rows[0].reason === 'not loaded' && rows.slice(1).every((r) => r.state === 'READY') ? true : undefined;
    }, 'reload settled');
    expect((await slowIndex()).map((r) => r.state)).toEqual(['UNAVAILABLE', 'READY', 'READY']);
    const cold = await infer(server.url, 'slow', slowInput(1));
    expect(cold.status).toBe(503);
    expect(cold.body.error).toMatch(/version 1 could not be loaded: .*the model file/);
    expect(cold.body.error).not.toContain(server.dataDir);
    // The version that shared the worker was reloaded, and other models were never affected.
    expect((await infer(server.url, 'slow', slowInput(1), { version: 3 })).status).toBe(200);
    expect((await infer(server.url, 'lookup', gatherInput([2]))).status).toBe(200);

    // Moving production to a version that loads makes the server ready again.
    expect((await promote(server, 'slow', 2)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect((await infer(server.url, 'slow', slowInput(1))).body.model_version).toBe('2');
  });
});
