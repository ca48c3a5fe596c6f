import Database from 'better-sqlite3';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { slowModel } from '../../scripts/onnx-builder.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { spawnServer, type ChildServer } from './child.js';
import { infer, slowInput, waitFor } from './helpers.js';

/** Opens a fresh TCP connection (never a pooled one); resolves with its error code, or undefined if it connected. */
function connectError(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(undefined); });
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

async function executions(url: string): Promise<number> {
  const r = await fetch(`${url}/v2/models/slow/versions/1/stats`);
  const body = await r.json() as { model_stats: { inference_stats: { queue: { count: number } } }[] };
  return body.model_stats[0].inference_stats.queue.count;
}

describe('shutdown', () => {
  let dir: string | undefined;
  let child: ChildServer | undefined;
  let inProcess: TestServer | undefined;
  afterEach(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await child?.exited;
    child = undefined;
    await inProcess?.stop().catch(() => undefined);
    inProcess = undefined;
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('on SIGTERM refuses new connections, finishes the running request, writes its usage record and exits 0', async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sigterm-'));
    child = await spawnServer(dir);
    const server = child;
    const up = await server.admin('/admin/v1/models/slow/versions', {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: slowModel(),
    });
    expect(up.status).toBe(201);
    const promoted = await server.admin('/admin/v1/models/slow/aliases/production', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }),
    });
    expect(promoted.status).toBe(200);

    let answered = false;
    const long = infer(server.url, 'slow', slowInput(6000), { headers: { 'x-request-id': 'drain-me' } })
      .then((a) => { answered = true; return a; });
    await waitFor(async () => ((await executions(server.url)) >= 2 ? true : undefined), 'the long request to run');
    server.proc.kill('SIGTERM');

    // New connections are refused while the running request is still being computed.
    const refusal = await waitFor(() => connectError(server.port), 'new connections to be refused');
    expect(refusal).toBe('ECONNREFUSED');
    expect(answered).toBe(false);

    const answer = await long;
    expect(answer.status).toBe(200);
    expect(answer.body.outputs?.[0].data).toHaveLength(6000 * 256);
    expect(await server.exited).toBe(0);

    const db = new Database(path.join(dir, 'hearth.db'), { readonly: true });
    try {
      const row = db.prepare("SELECT status, model, version, outcome FROM records WHERE kind = 'inference' AND request_id LIKE '% ' || ?").get('drain-me');
      expect(row).toEqual({ status: 200, model: 'slow', version: 1, outcome: 'success' });
    } finally {
      db.close();
    }
  });

  it('closes without bringing the process down while an inference is still running past the drain timeout', async () => {
    // Ending a worker thread inside onnxruntime's run() aborts the whole process; close must wait for the run instead.
    inProcess = await startTestServer({ demoModels: false, drainTimeoutMs: 0 });
    const s = inProcess;
    const up = await s.admin('/admin/v1/models/slow/versions', {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: slowModel(),
    });
    expect(up.status).toBe(201);
    const long = infer(s.url, 'slow', slowInput(4000), { version: 1 }).catch((err: unknown) => err);
    await waitFor(async () => ((await executions(s.url)) >= 2 ? true : undefined), 'the long request to run');
    await s.stop();
    inProcess = undefined;
    const outcome = await long;
    // The connection was closed at the drain timeout: the client sees an error, and this process lives on.
    expect(outcome).toBeInstanceOf(Error);
  });
});
