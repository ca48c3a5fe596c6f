import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';
import { bearer, createKey } from '../http/net/helpers.js';

const REQUEST = { inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };
const JSON_HEADERS = { 'content-type': 'application/json' };

const infer = (s: TestServer, key: string, name: string, version: number | string) =>
  post(`${s.url}/v2/models/${name}/versions/${version}/infer`, REQUEST, bearer(key));

async function state(s: TestServer, name: string, version: number): Promise<string> {
  return (await json<{ state: string }>(s.admin(`/admin/v1/models/${name}/versions/${version}`))).body.state;
}

/** POST an admin action (load, unload) without a body. */
const adminPost = (s: TestServer, path: string) => s.admin(path, { method: 'POST' });
const setAlias = (s: TestServer, alias: string, version: number) =>
  s.admin(`/admin/v1/models/m/aliases/${alias}`, { method: 'PUT', headers: JSON_HEADERS, body: JSON.stringify({ version }) });

/**
 * A device that holds three versions, all of them the admin's choice: "m" version 3 (production),
 * "m" version 4 (canary, loaded by the admin) and "other" version 1 (its newest version, which it serves).
 * Versions 1 and 2 of "m" are registered and unloaded.
 */
async function fullServer(): Promise<TestServer> {
  const s = await startTestServer({ demoModels: false, requireApiKey: true, maxLoadedVersions: 3 });
  for (const seed of [1, 2, 3]) expect((await upload(s, 'm', mlp({ layers: [4, 2], seed }))).status).toBe(201);
  expect((await setAlias(s, 'production', 3)).status).toBe(200);
  for (const v of [1, 2]) expect((await adminPost(s, `/admin/v1/models/m/versions/${v}/unload`)).status).toBe(200);
  expect((await upload(s, 'other', mlp({ layers: [4, 2], seed: 9 }))).status).toBe(201);
  expect((await upload(s, 'm', mlp({ layers: [4, 2], seed: 4 }))).status).toBe(201);
  expect((await setAlias(s, 'canary', 4)).status).toBe(200);
  expect((await adminPost(s, '/admin/v1/models/m/versions/4/load')).status).toBe(200);
  expect([await state(s, 'm', 3), await state(s, 'm', 4), await state(s, 'other', 1)]).toEqual(['READY', 'READY', 'READY']);
  expect([await state(s, 'm', 1), await state(s, 'm', 2)]).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
  return s;
}

describe('an infer key calling old versions by number', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('cannot evict what the admin serves: with no free room it gets 503 with Retry-After, and an admin load still works', async () => {
    s = await fullServer();
    const client = await createKey(s, { name: 'client', scopes: ['infer'], models: ['m'] });

    for (const old of [1, 2]) {
      const r = await infer(s, client.key, 'm', old);
      expect(r.status).toBe(503);
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      const body = await r.json() as { error: string };
      expect(body.error).toContain(`POST /admin/v1/models/m/versions/${old}/load`);
    }
    // Nothing the admin chose to serve was unloaded, and the old versions were not loaded.
    expect([await state(s, 'm', 3), await state(s, 'm', 4), await state(s, 'other', 1)]).toEqual(['READY', 'READY', 'READY']);
    expect([await state(s, 'm', 1), await state(s, 'm', 2)]).toEqual(['UNAVAILABLE', 'UNAVAILABLE']);
    // Served versions still answer the same key.
    expect((await infer(s, client.key, 'm', 3)).status).toBe(200);
    expect((await infer(s, client.key, 'm', 'canary')).status).toBe(200);

    // The admin's explicit load makes room as before (the least recently used unprotected version goes).
    expect((await adminPost(s, '/admin/v1/models/m/versions/1/load')).status).toBe(200);
    expect(await state(s, 'm', 1)).toBe('READY');
    expect((await infer(s, client.key, 'm', 1)).status).toBe(200);
  });

  it('loads an old version on demand when it fits in free room, and the admin can always take that room back', async () => {
    s = await startTestServer({ demoModels: false, requireApiKey: true, maxLoadedVersions: 3 });
    for (const seed of [1, 2, 3]) expect((await upload(s, 'm', mlp({ layers: [4, 2], seed }))).status).toBe(201);
    expect((await setAlias(s, 'production', 3)).status).toBe(200);
    for (const v of [1, 2]) expect((await adminPost(s, `/admin/v1/models/m/versions/${v}/unload`)).status).toBe(200);
    const client = await createKey(s, { name: 'client', scopes: ['infer'], models: ['m'] });

    // Two free slots: both old versions load on request.
    expect((await infer(s, client.key, 'm', 1)).status).toBe(200);
    expect((await infer(s, client.key, 'm', 2)).status).toBe(200);
    expect([await state(s, 'm', 1), await state(s, 'm', 2), await state(s, 'm', 3)]).toEqual(['READY', 'READY', 'READY']);

    // A new model's upload loads it, making room by unloading a version a client loaded (not production).
    expect((await upload(s, 'other', mlp({ layers: [4, 2], seed: 9 }))).status).toBe(201);
    expect(await state(s, 'other', 1)).toBe('READY');
    expect(await state(s, 'm', 3)).toBe('READY');
    expect([await state(s, 'm', 1), await state(s, 'm', 2)].filter((x) => x === 'READY')).toHaveLength(1);
  });

  it('gives one free slot to one of two loads asked at once, never to both', async () => {
    s = await startTestServer({ demoModels: false, requireApiKey: true, maxLoadedVersions: 2 });
    for (const seed of [1, 2, 3]) expect((await upload(s, 'm', mlp({ layers: [4, 2], seed }))).status).toBe(201);
    expect((await setAlias(s, 'production', 3)).status).toBe(200);
    for (const v of [1, 2]) await adminPost(s, `/admin/v1/models/m/versions/${v}/unload`);
    // Two loads asked in the same turn, as two requests parsed together would ask: HTTP cannot
    // order them that tightly, so the runtime is called directly.
    const { models } = s.services;
    const outcomes = await Promise.allSettled([models.load('m', 1, { onDemand: true }), models.load('m', 2, { onDemand: true })]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refused = outcomes.find((o) => o.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ kind: 'unavailable' });
    const system = await json<{ devices: { cpu: { count: number } } }>(s.admin('/admin/v1/system'));
    expect(system.body.devices.cpu.count).toBe(2);
    expect(await state(s, 'm', 3)).toBe('READY');
  });

  it('may load an aliased or pinned version by making room, as the admin chose to serve it', async () => {
    s = await fullServer();
    const client = await createKey(s, { name: 'client', scopes: ['infer'], models: ['m'] });
    expect((await adminPost(s, '/admin/v1/models/m/versions/4/unload')).status).toBe(200);
    // Fill the free slot with version 1 (free room, no eviction), then ask for the canary.
    expect((await infer(s, client.key, 'm', 1)).status).toBe(200);
    expect((await infer(s, client.key, 'm', 'canary')).status).toBe(200);
    expect([await state(s, 'm', 4), await state(s, 'm', 3)]).toEqual(['READY', 'READY']);

    const pin = await s.admin('/admin/v1/models/m/versions/2/settings', { method: 'PATCH', headers: JSON_HEADERS, body: JSON.stringify({ pinned: true }) });
    expect(pin.status).toBe(200);
    expect((await infer(s, client.key, 'm', 2)).status).toBe(200);
    expect(await state(s, 'm', 2)).toBe('READY');
    expect(await state(s, 'm', 3)).toBe('READY');
  });
});
