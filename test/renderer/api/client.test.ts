// The UI's API client and response readers against a real server: if a route's shape drifts
// from what the pages read, these fail.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ApiError, createClient, queryString, type ApiClient } from '../../../renderer/api/client.js';
import { summaryRows } from '../../../renderer/api/queries.js';
import type { ApiKeyRecord, CreatedKey, ModelDetail, ModelSummary, SystemInfo } from '../../../renderer/api/types.js';
import { keyRequest } from '../../../renderer/lib/keys.js';
import { rangeQuery, type LatencyRange } from '../../../renderer/lib/latency.js';
import { parseNetwork } from '../../../renderer/lib/network.js';
import { parseUsagePage } from '../../../renderer/lib/usage.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer();
  client = createClient({ token: server.token, baseUrl: server.url });
});

afterAll(async () => {
  await server?.stop();
});

describe('queryString', () => {
  test('drops empty values, joins arrays, encodes', () => {
    expect(queryString({ a: 1, b: '', c: undefined, d: null, e: ['x', 'y'], f: [], g: 'a b&c' })).toBe('?a=1&e=x%2Cy&g=a+b%26c');
    expect(queryString({})).toBe('');
  });
});

describe('API client against a real server', () => {
  test('reads models, one model and the system as the pages expect', async () => {
    const models = (await client.get<{ models: ModelSummary[] }>('/admin/v1/models')).models;
    expect(models.map((m) => [m.name, m.versions, m.aliases.production])).toEqual([['iris', [1, 2], 2]]);
    const iris = await client.get<ModelDetail>('/admin/v1/models/iris');
    expect(iris.versions.map((v) => [v.version, v.aliases, v.inputs[0].name])).toEqual([[1, [], 'features'], [2, ['production'], 'features']]);
    expect(iris.aliasHistory.at(-1)).toMatchObject({ alias: 'production', version: 2, action: 'set' });
    const system = await client.get<SystemInfo>('/admin/v1/system');
    expect(system.server.host).toBe('127.0.0.1');
    expect(system.auditKeyFingerprint).toMatch(/^[0-9a-f]{64}$/);
  });

  test('a wrong token is an ApiError 401 with the server\'s words, and signs the UI out', async () => {
    let signedOut = 0;
    const wrong = createClient({ token: 'nope', baseUrl: server.url, onUnauthorized: () => { signedOut++; } });
    const err = await wrong.get('/admin/v1/models').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);
    expect((err as ApiError).message).toBe('The admin token is not valid.');
    expect(signedOut).toBe(1);
  });

  test('an endpoint the server lacks says so in words', async () => {
    const err = await client.get('/admin/v1/not-here', { x: 1 }).catch((e: unknown) => e) as ApiError;
    expect(err.status).toBe(404);
    expect(err.missingEndpoint).toBe(true);
    expect(err.message).toBe('This server has no GET /admin/v1/not-here yet; it may be older than this page.');
  });

  test('a server that is not there is a plain message, not a TypeError', async () => {
    const gone = createClient({ token: 't', baseUrl: 'http://127.0.0.1:1' });
    await expect(gone.get('/admin/v1/models')).rejects.toThrow('Cannot reach the Hearth server');
    expect(await gone.probe('/v2/health/ready')).toBe(false);
  });

  test('upload of a file that is not a model is refused with the server\'s reason', async () => {
    const err = await client.upload('/admin/v1/models/junk/versions', new Blob([new Uint8Array([1, 2, 3])]), { description: 'x' }).catch((e: unknown) => e) as ApiError;
    expect(err.status).toBe(400);
    expect(err.message).not.toMatch(/^The server answered/);
    expect(err.message.length).toBeGreaterThan(10);
    expect((await client.get<{ models: ModelSummary[] }>('/admin/v1/models')).models.map((m) => m.name)).toEqual(['iris']);
  });

  test('readiness probe', async () => {
    expect(await client.probe('/v2/health/ready')).toBe(true);
  });

  test('the key form\'s body creates a key for every model that never expires', async () => {
    const r = keyRequest({ name: 'contract', scopes: ['infer'], models: [], expiry: 'never', date: '' });
    if (!r.ok) throw new Error(r.error);
    const created = await client.send<CreatedKey>('POST', '/admin/v1/keys', r.body);
    expect(created.record).toMatchObject({ name: 'contract', scopes: ['infer'], models: null, expiresAt: null });
    const listed = (await client.get<{ keys: ApiKeyRecord[] }>('/admin/v1/keys')).keys;
    expect(listed.map((k) => k.id)).toContain(created.id);
    const revoked = await client.send<ApiKeyRecord>('DELETE', `/admin/v1/keys/${created.id}`);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
  });

  test('every latency range the UI offers is accepted', async () => {
    for (const range of ['1h', '24h', '7d', '30d'] as LatencyRange[]) {
      const res = await client.get<{ step: number; points: unknown[] }>('/admin/v1/latency', { model: 'iris', ...rangeQuery(range) });
      expect(res.step, range).toBe(rangeQuery(range).step);
      expect(res.points.length, range).toBeGreaterThan(0);
    }
  });

  test('usage page and totals read as the usage page expects', async () => {
    const res = await fetch(`${server.url}/v2/models/iris/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }),
    });
    expect(res.status).toBe(200);
    const page = parseUsagePage(await client.get('/admin/v1/usage', { kind: 'inference', limit: 10 }));
    expect(page.rows.map((r) => [r.model, r.status])).toEqual([['iris', 200]]);
    const byModel = summaryRows(await client.get('/admin/v1/usage/summary', { by: 'model' }));
    expect(byModel).toMatchObject([{ model: 'iris', requests: 1, errors: 0 }]);
  });

  test('network view reads as the network page expects', async () => {
    const n = parseNetwork(await client.get('/admin/v1/network'));
    expect(n.exposure).toBe('loopback');
    expect(n.lan).toBe(false);
    expect(n.allow).toContain('127.0.0.0/8');
    expect(n.tls).toBeNull();
    expect(n.urls.length).toBeGreaterThan(0);
  });
});
