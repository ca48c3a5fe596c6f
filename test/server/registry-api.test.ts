import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoClassifier, identityModel, mlp, unloadableModel } from '../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

function blobCount(dataDir: string): number {
  const root = path.join(dataDir, 'blobs', 'sha256');
  return readdirSync(root).reduce((n, d) => n + readdirSync(path.join(root, d)).length, 0);
}

interface Version { name: string; version: number; sha256: string; existing?: boolean; inputs: unknown[]; outputs: unknown[] }

describe('model registry through the admin API', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ demoModels: false }); });
  afterAll(async () => { await s.stop(); });

  it('registers versions 1, 2, … with their signature, and answers duplicates with the existing version', async () => {
    const a = await json<Version>(upload(s, 'mlp', mlp({ layers: [8, 4, 2], seed: 1 }), '?description=first&tags=a,b&metadata=%7B%22dataset%22%3A%22d1%22%7D'));
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ name: 'mlp', version: 1, inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 8] }] });
    const b = await json<Version>(upload(s, 'mlp', mlp({ layers: [8, 4, 2], seed: 2 })));
    expect(b.body.version).toBe(2);
    const again = await json<Version>(upload(s, 'mlp', mlp({ layers: [8, 4, 2], seed: 1 })));
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ version: 1, existing: true, sha256: a.body.sha256 });
    const show = await json<{ versions: { version: number; description: string; tags: string[]; metadata: unknown }[] }>(s.admin('/admin/v1/models/mlp'));
    expect(show.body.versions.map((v) => v.version)).toEqual([1, 2]);
    expect(show.body.versions[0]).toMatchObject({ description: 'first', tags: ['a', 'b'], metadata: { dataset: 'd1' } });
    // Different models may hold the same bytes; each gets its own version 1.
    expect((await json<Version>(upload(s, 'mlp-copy', mlp({ layers: [8, 4, 2], seed: 1 })))).body.version).toBe(1);
  });

  const valid = demoClassifier({ version: 1 });
  const bad: [string, string, Uint8Array, RegExp][] = [
    ['an empty body', 'x1', new Uint8Array(0), /empty/],
    ['a file that is not ONNX', 'x2', new TextEncoder().encode('this is not a model'), /not an ONNX model/],
    ['a truncated ONNX file', 'x3', valid.subarray(0, Math.floor(valid.length / 2)), /not an ONNX model/],
    ['a model onnxruntime cannot load', 'x4', unloadableModel(), /HearthNoSuchOp/],
    ['a BF16 model', 'x5', identityModel('BF16'), /not an ONNX model/],
    ['a name longer than 128 characters', 'n'.repeat(129), valid, /128/],
    ['a name with a space', 'has space', valid, /letters, digits/],
    ['a name with a slash escape', '..%2Fetc', valid, /letters, digits|No endpoint/],
    ['the name ..', '..', valid, /letters, digits|No endpoint/],
  ];
  for (const [what, name, bytes, message] of bad) {
    it(`refuses ${what} and registers nothing`, async () => {
      const before = await json<{ models: { name: string }[] }>(s.admin('/admin/v1/models'));
      const blobs = blobCount(s.dataDir);
      const r = await json<{ error: string }>(upload(s, name, bytes));
      expect([400, 404]).toContain(r.status);
      expect(r.body.error).toMatch(message);
      const after = await json<{ models: { name: string }[] }>(s.admin('/admin/v1/models'));
      expect(after.body.models).toEqual(before.body.models);
      expect(blobCount(s.dataDir)).toBe(blobs);
      expect(readdirSync(path.join(s.dataDir, 'blobs', 'tmp'))).toEqual([]);
    });
  }

  it('has a new model loaded and ready when its upload answers, and the newest version served until one is promoted', async () => {
    expect((await upload(s, 'fresh', mlp({ layers: [8, 4, 2], seed: 11 }))).status).toBe(201);
    expect((await fetch(`${s.url}/v2/models/fresh/ready`)).status).toBe(200);
    const meta = await json<{ parameters: { state: string; version: string } }>(fetch(`${s.url}/v2/models/fresh`));
    expect(meta.body.parameters).toMatchObject({ state: 'READY', version: '1' });
    expect((await upload(s, 'fresh', mlp({ layers: [8, 4, 2], seed: 12 }))).status).toBe(201);
    expect((await json<{ parameters: { state: string; version: string } }>(fetch(`${s.url}/v2/models/fresh`))).body.parameters)
      .toMatchObject({ state: 'READY', version: '2' });
  });

  it('refuses an upload that is not sent as octet-stream', async () => {
    const r = await s.admin('/admin/v1/models/x6/versions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(r.status).toBe(415);
  });

  it('promote and rollback change what the unversioned URL serves, without a restart', async () => {
    await upload(s, 'flip', demoClassifier({ version: 1 }));
    await upload(s, 'flip', demoClassifier({ version: 2 }));
    const served = async () => {
      const r = await json<{ model_version: string }>(post(`${s.url}/v2/models/flip/infer`, {
        inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3, 5.1, 1.8] }],
      }));
      return r.body.model_version;
    };
    expect(await served()).toBe('2'); // no production alias: the newest version
    const promote = (v: number) => s.admin('/admin/v1/models/flip/aliases/production', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: v }),
    });
    expect((await promote(1)).status).toBe(200);
    expect(await served()).toBe('1');
    expect((await promote(2)).status).toBe(200);
    expect(await served()).toBe('2');
    const rb = await json<{ version: number; previous: number }>(s.admin('/admin/v1/models/flip/rollback', { method: 'POST' }));
    expect(rb.body).toMatchObject({ version: 1, previous: 2 });
    expect(await served()).toBe('1');
    const none = await json<{ error: string }>(s.admin('/admin/v1/models/flip/rollback', { method: 'POST' }));
    expect(none.status).toBe(409);
    expect(none.body.error).toMatch(/no earlier/);
    expect((await promote(7)).status).toBe(404);
    const bodyless = await s.admin('/admin/v1/models/flip/aliases/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: '{"version":"two"}' });
    expect(bodyless.status).toBe(400);
  });

  it('removes a version only when no alias points at it, and its blob with it', async () => {
    await upload(s, 'gone', mlp({ layers: [4, 2], seed: 5 }));
    await upload(s, 'gone', mlp({ layers: [4, 2], seed: 6 }));
    await s.admin('/admin/v1/models/gone/aliases/production', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }) });
    const blobs = blobCount(s.dataDir);
    expect((await s.admin('/admin/v1/models/gone/versions/1', { method: 'DELETE' })).status).toBe(409);
    expect((await s.admin('/admin/v1/models/gone/versions/2', { method: 'DELETE' })).status).toBe(200);
    expect(blobCount(s.dataDir)).toBe(blobs - 1);
    expect((await fetch(`${s.url}/v2/models/gone/versions/2`)).status).toBe(404);
    expect((await s.admin('/admin/v1/models/gone', { method: 'DELETE' })).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/gone`)).status).toBe(404);
    expect(blobCount(s.dataDir)).toBe(blobs - 2);
  });

  it('changes serving settings without a restart and refuses invalid ones', async () => {
    const ok = await json<{ settings: { maxBatchSize: number; responseCache: boolean } }>(s.admin('/admin/v1/models/mlp/versions/1/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxBatchSize: 8, responseCache: true }),
    }));
    expect(ok.status).toBe(200);
    expect(ok.body.settings).toMatchObject({ maxBatchSize: 8, responseCache: true });
    const bad = await s.admin('/admin/v1/models/mlp/versions/1/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxBatchSize: -3 }),
    });
    expect(bad.status).toBe(400);
    const unknown = await s.admin('/admin/v1/models/mlp/versions/1/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ turbo: true }),
    });
    expect(unknown.status).toBe(400);
  });
});

describe('null in admin request bodies', () => {
  it('keeps null as null: a key created with models null may call every model, and expiresAt null never expires', async () => {
    const s = await startTestServer({ demoModels: true });
    try {
      const r = await json<{ key: string; record: { models: unknown; expiresAt: unknown } }>(s.admin('/admin/v1/keys', {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'all-models', models: null, expiresAt: null }),
      }));
      expect(r.status).toBe(201);
      expect(r.body.record).toMatchObject({ models: null, expiresAt: null });
      const call = await post(`${s.url}/v2/models/iris/infer`, { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] },
        { authorization: `Bearer ${r.body.key}` });
      expect(call.status).toBe(200);
    } finally {
      await s.stop();
    }
  });
});
