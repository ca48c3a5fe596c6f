import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';
import { cli } from '../helpers/cli.js';

const good = { inputs: [{ name: 'features', shape: [2, 4], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] };

describe('usage log and audit export through the API and CLI', () => {
  let s: TestServer;
  let key: { id: string; key: string };
  beforeAll(async () => {
    s = await startTestServer();
    key = (await json<{ id: string; key: string }>(s.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'billing-dept' }),
    }))).body;
    for (let i = 0; i < 3; i++) {
      const r = await post(`${s.url}/v2/models/iris/infer`, good, { authorization: `Bearer ${key.key}`, 'x-request-id': `client-${i}` });
      expect(r.status).toBe(200);
    }
    expect((await post(`${s.url}/v2/models/iris/infer`, { inputs: [] })).status).toBe(400);
  });
  afterAll(async () => { await s.stop(); });

  it('writes one record per inference request with who, what, outcome, latency and bytes — never the key', async () => {
    const page = await json<{ rows: { requestId: string; keyId: string | null; model: string; version: number; outcome: string; status: number; batchSize: number | null; bytesIn: number; bytesOut: number; latencyUs: number; client: string }[] }>(
      s.admin('/admin/v1/usage?model=iris'));
    expect(page.status).toBe(200);
    const rows = page.body.rows;
    expect(rows).toHaveLength(4);
    // The server's own id, then the client's X-Request-Id.
    const mine = rows.filter((r) => / client-\d$/.test(r.requestId)).sort((a, b) => a.requestId.slice(-1).localeCompare(b.requestId.slice(-1)));
    expect(mine.map((r) => r.requestId.split(' ')[1])).toEqual(['client-0', 'client-1', 'client-2']);
    expect(new Set(mine.map((r) => r.requestId.split(' ')[0])).size).toBe(3);
    for (const r of mine) {
      expect(r).toMatchObject({ keyId: key.id, model: 'iris', version: 2, outcome: 'success', status: 200, batchSize: 2, client: '127.0.0.1' });
      expect(r.bytesIn).toBe(JSON.stringify(good).length);
      expect(r.bytesOut).toBeGreaterThan(50);
      expect(r.latencyUs).toBeGreaterThan(0);
    }
    const failed = rows.find((r) => r.status === 400);
    expect(failed).toMatchObject({ keyId: null, outcome: 'error' });
    const everything = JSON.stringify(await (await s.admin('/admin/v1/usage?kind=all&format=jsonl')).text());
    expect(everything).not.toContain(key.key);
  });

  it('exports CSV and JSON Lines filtered by key', async () => {
    const csv = await (await s.admin(`/admin/v1/usage?format=csv&key=${key.id}`)).text();
    const lines = csv.trim().split('\n');
    expect(lines[0]).toMatch(/^seq,time,timeIso,/);
    expect(lines).toHaveLength(4);
    expect(lines.slice(1).every((l) => l.includes(key.id) && l.includes('iris'))).toBe(true);
    const jsonl = (await (await s.admin('/admin/v1/usage?format=jsonl&model=iris')).text()).trim().split('\n').map((l) => JSON.parse(l) as { model: string });
    expect(jsonl).toHaveLength(4);
  });

  it('summarizes per key and per model for chargeback, through the API and the CLI', async () => {
    const byKey = await json<{ rows: { key: string | null; requests: number; errors: number }[] }>(s.admin('/admin/v1/usage/summary?by=key'));
    expect(byKey.body.rows.find((r) => r.key === key.id)).toMatchObject({ requests: 3, errors: 0 });
    const byModel = await json<{ rows: { model: string; requests: number; errors: number }[] }>(s.admin('/admin/v1/usage/summary?by=model'));
    expect(byModel.body.rows.find((r) => r.model === 'iris')).toMatchObject({ requests: 4, errors: 1 });
    const c = await cli(['usage', 'summary', '--by', 'model', '--url', s.url, '--token', s.token]);
    expect(c.out).toMatch(/^iris\t4\t1\t/m);
    expect((await json(s.admin('/admin/v1/usage?from=yesterday'))).status).toBe(400);
  });

  it('exports an audit bundle that verifies offline, pinned to the fingerprint, and fails once altered', async () => {
    const file = path.join(s.dataDir, 'bundle.jsonl');
    const exp = await cli(['audit', 'export', '-o', file, '--url', s.url, '--token', s.token]);
    expect(exp.code, exp.err).toBe(0);
    const fp = (await cli(['audit', 'fingerprint', '--url', s.url, '--token', s.token])).out.trim();
    expect(fp).toMatch(/^[0-9a-f]{64}$/);
    const ok = await cli(['audit', 'verify', file, '--fingerprint', fp]);
    expect(ok.code, ok.err + ok.out).toBe(0);
    expect(ok.out).toMatch(/^OK: \d+ records, chain intact/);

    const text = await readFile(file, 'utf8');
    const tampered = text.replace('"status":200', '"status":201');
    expect(tampered).not.toBe(text);
    await writeFile(file, tampered);
    const bad = await cli(['audit', 'verify', file, '--fingerprint', fp]);
    expect(bad.code).toBe(1);
    expect(bad.err + bad.out).toMatch(/FAILED at record seq \d+/);

    const wrongPin = await cli(['audit', 'verify', file, '--fingerprint', '0'.repeat(64)]);
    expect(wrongPin.code).toBe(1);
  });

  it('records admin actions (promote, rollback, key created, export) in the same chain', async () => {
    await s.admin('/admin/v1/models/iris/rollback', { method: 'POST' });
    const page = await json<{ rows: { action: string; kind: string; model: string | null }[] }>(s.admin('/admin/v1/usage?kind=admin'));
    const actions = page.body.rows.map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['register', 'key_created', 'export', 'rollback']));
    expect(page.body.rows.every((r) => r.kind === 'admin')).toBe(true);
  });
});
