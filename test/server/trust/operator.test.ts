import { chmod, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../../scripts/onnx-builder.js';
import { json, post, startTestServer, type TestServer } from '../../helpers/server.js';

const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

/** Sends `bytes` in `parts` pieces, `gapMs` apart, as one POST; resolves with the status (0: connection cut). */
function slowPost(url: string, headers: Record<string, string>, bytes: Uint8Array, parts: number, gapMs: number): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request(url, { method: 'POST', headers: { ...headers, 'content-length': String(bytes.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    const size = Math.ceil(bytes.length / parts);
    let i = 0;
    const next = () => {
      if (req.destroyed) return;
      const chunk = bytes.subarray(i * size, (i + 1) * size);
      i++;
      if (i >= parts) { req.end(chunk); return; }
      req.write(chunk);
      setTimeout(next, gapMs);
    };
    next();
  });
}

describe('what an operator is promised', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('records a bounded client request id beside the server\'s own, and refuses one out of bounds', async () => {
    s = await startTestServer();
    const long = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-request-id': 'x'.repeat(1000) });
    expect(long.status).toBe(400);
    expect((await long.json() as { error: string }).error).toMatch(/X-Request-Id must be 1 to 128 characters/);
    // Two requests claiming the same id stay two distinct records.
    for (let i = 0; i < 2; i++) expect((await post(`${s.url}/v2/models/iris/infer`, body, { 'x-request-id': 'same-id' })).status).toBe(200);
    const rows = (await json<{ rows: { requestId: string }[] }>(s.admin('/admin/v1/usage'))).body.rows;
    const same = rows.filter((r) => r.requestId.endsWith(' same-id')).map((r) => r.requestId);
    expect(same).toHaveLength(2);
    expect(new Set(same).size).toBe(2);
    expect(rows.every((r) => r.requestId.length <= 150)).toBe(true);
  });

  it('tightens a data dir and an admin-token file that other users could read, and says so', async () => {
    if (process.platform === 'win32') return;
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-modes-'));
    await chmod(dataDir, 0o755);
    await writeFile(path.join(dataDir, 'admin-token'), `hearth_admin_${'k'.repeat(40)}\n`, { mode: 0o644 });
    await chmod(path.join(dataDir, 'admin-token'), 0o644);
    s = await startTestServer({}, dataDir);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dataDir, 'admin-token'))).mode & 0o777).toBe(0o600);
    expect(s.services.startupNotices.join('\n')).toMatch(/admin-token: 644 -> 600/);
    await s.stop();
    s = undefined;
    await rm(dataDir, { recursive: true, force: true });
  });

  it('syncs every commit to disk with --durability power-loss, and not by default', async () => {
    s = await startTestServer({ durability: 'power-loss' });
    expect(s.services.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await s.stop();
    s = await startTestServer();
    expect(s.services.db.pragma('synchronous', { simple: true })).toBe(1); // NORMAL
  });

  it('gives a model upload its own time limit: a slow upload lands, a slow inference request is still cut', async () => {
    s = await startTestServer({ requestTimeoutMs: 800, headersTimeoutMs: 800, uploadTimeoutMs: 60_000 });
    const model = mlp({ layers: [64, 64, 4], seed: 7 });
    // About 3 s for the file: past the request timeout, well within the upload's.
    const uploaded = await slowPost(`${s.url}/admin/v1/models/slow/versions`,
      { authorization: `Bearer ${s.token}`, 'content-type': 'application/octet-stream' }, model, 12, 250);
    expect(uploaded).toBe(201);
    const infer = Buffer.from(JSON.stringify(body));
    const cut = await slowPost(`${s.url}/v2/models/iris/infer`, { 'content-type': 'application/json' }, infer, 12, 250);
    expect([0, 408]).toContain(cut);
    expect((await post(`${s.url}/v2/models/iris/infer`, body)).status).toBe(200);
  });
});
