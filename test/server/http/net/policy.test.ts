import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../helpers/server.js';
import { bearer, createKey, heldBody, IRIS_REQUEST, putNetwork } from './helpers.js';

const LAN = '192.168.1.50';
const OUTSIDE = '203.0.113.9';
const infer = '/v2/models/iris/infer';

describe('the network policy, as clients at different addresses see it', () => {
  let s: TestServer;
  let key: string;
  beforeAll(async () => {
    s = await startTestServer();
    key = (await createKey(s, { name: 'lan app' })).key;
  });
  afterAll(async () => { await s.stop(); });

  const from = (remoteAddress: string, method: 'GET' | 'POST' | 'OPTIONS', url: string, headers: Record<string, string> = {}, payload?: unknown) =>
    s.app.inject({ method, url, remoteAddress, headers, ...(payload !== undefined ? { payload: payload as string } : {}) });

  it('makes LAN clients present a key and lets loopback clients omit it', async () => {
    const lan = await from(LAN, 'POST', infer, {}, IRIS_REQUEST);
    expect(lan.statusCode).toBe(401);
    expect(lan.json<{ error: string }>().error).toMatch(/needs an API key/);
    expect(lan.headers['www-authenticate']).toBe('Bearer');
    expect((await from(LAN, 'GET', '/v2/models/iris')).statusCode).toBe(401);
    expect((await from('::ffff:10.0.0.8', 'GET', '/v2/models/iris')).statusCode).toBe(401);

    const withKey = await from(LAN, 'POST', infer, bearer(key), IRIS_REQUEST);
    expect(withKey.statusCode).toBe(200);
    expect(withKey.json<{ outputs: unknown[] }>().outputs.length).toBeGreaterThan(0);
    expect((await from('127.0.0.1', 'POST', infer, {}, IRIS_REQUEST)).statusCode).toBe(200);
    expect((await from('::1', 'GET', '/v2/models/iris')).statusCode).toBe(200);
  });

  it('refuses an address outside the allowlist with 403 before reading its body', async () => {
    const body = heldBody();
    const res = await s.app.inject({ method: 'POST', url: infer, remoteAddress: OUTSIDE, headers: { 'content-type': 'application/json', ...bearer(key) }, payload: body.stream });
    // The answer came while the client was still holding back the rest of its body.
    expect(body.finished).toBe(false);
    expect(body.readStarted).toBe(false);
    expect(res.statusCode).toBe(403);
    expect(res.json<{ error: string }>().error).toMatch(/203\.0\.113\.9 is not in this server's client allowlist/);
    expect(res.headers.connection).toBe('close');
    body.finish();
    // Every route, public and admin ones too, and the admin token does not open it.
    for (const url of ['/v2/health/live', '/admin/v1/models', '/docs/json', '/no/such/route']) {
      const r = await from(OUTSIDE, 'GET', url, bearer(s.token));
      expect(r.statusCode, url).toBe(403);
    }
  });

  it('reads the body of an allowed client (the control for the test above)', async () => {
    const body = heldBody();
    const pending = s.app.inject({ method: 'POST', url: infer, remoteAddress: LAN, headers: { 'content-type': 'application/json', ...bearer(key) }, payload: body.stream });
    setImmediate(() => body.finish());
    const res = await pending;
    expect(body.finished).toBe(true);
    expect(body.readStarted).toBe(true);
    expect(res.statusCode).toBe(200);
  });

  it('applies a changed allowlist at once, and always lets loopback in', async () => {
    try {
      const put = await putNetwork(s, { allow: ['203.0.113.0/24'] });
      expect(put.status).toBe(200);
      expect(put.body.allow).toEqual(['203.0.113.0/24']);
      expect((await from(OUTSIDE, 'GET', '/v2/models/iris', bearer(key))).statusCode).toBe(200);
      expect((await from(LAN, 'GET', '/v2/models/iris', bearer(key))).statusCode).toBe(403);
      expect((await from('127.0.0.1', 'GET', '/v2/models/iris')).statusCode).toBe(200);
      const bad = await putNetwork(s, { allow: ['10.0.0.0/40'] });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/bad prefix length/);
    } finally {
      expect((await putNetwork(s, { allow: ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'] })).status).toBe(200);
    }
  });

  it('keeps CORS off by default and, once an origin is allowed, answers its preflight and names it', async () => {
    const app = 'https://app.example.org';
    const off = await from('127.0.0.1', 'GET', '/v2/models/iris', { origin: app });
    expect(off.statusCode).toBe(403);
    expect(off.json<{ error: string }>().error).toMatch(/Cross-origin requests are off.*hearth network cors --add https:\/\/app\.example\.org/);
    // The server's own pages (same origin) are not cross-origin.
    const same = await from('127.0.0.1', 'GET', '/v2/models/iris', { origin: 'http://localhost:80', host: 'localhost:80' });
    expect(same.statusCode).toBe(200);
    expect(same.headers['access-control-allow-origin']).toBeUndefined();

    expect((await putNetwork(s, { corsOrigins: [app] })).status).toBe(200);
    const pre = await from(LAN, 'OPTIONS', infer, { origin: app, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' });
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe(app);
    expect(String(pre.headers['access-control-allow-methods'])).toMatch(/POST/);
    expect(String(pre.headers['access-control-allow-headers'])).toMatch(/authorization/);
    const call = await from(LAN, 'POST', infer, { origin: app, ...bearer(key) }, IRIS_REQUEST);
    expect(call.statusCode).toBe(200);
    expect(call.headers['access-control-allow-origin']).toBe(app);
    expect(call.headers.vary).toBe('Origin');
    // Errors carry the header too, so the page can read why it failed.
    const denied = await from(LAN, 'POST', infer, { origin: app }, IRIS_REQUEST);
    expect(denied.statusCode).toBe(401);
    expect(denied.headers['access-control-allow-origin']).toBe(app);
    const other = await from(LAN, 'OPTIONS', infer, { origin: 'https://evil.example', 'access-control-request-method': 'POST' });
    expect(other.statusCode).toBe(403);
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    expect((await putNetwork(s, { corsOrigins: ['not an origin'] })).status).toBe(400);
    expect((await putNetwork(s, { corsOrigins: [] })).status).toBe(200);
    expect((await from(LAN, 'POST', infer, { origin: app, ...bearer(key) }, IRIS_REQUEST)).statusCode).toBe(403);
  });

  it('answers 429 with Retry-After once a key is over its rate, and leaves other keys alone', async () => {
    const other = (await createKey(s, { name: 'other' })).key;
    try {
      // One request per 1000 s: the bucket holds one, the next must wait the whole period.
      expect((await putNetwork(s, { rateLimit: { perSecond: 0.001 } })).status).toBe(200);
      expect((await from(LAN, 'POST', infer, bearer(key), IRIS_REQUEST)).statusCode).toBe(200);
      const limited = await from(LAN, 'POST', infer, bearer(key), IRIS_REQUEST);
      expect(limited.statusCode).toBe(429);
      expect(limited.headers['retry-after']).toBe('1000');
      expect(limited.json<{ error: string }>().error).toMatch(/Rate limit of 0\.001 requests per second/);
      expect((await from(LAN, 'GET', '/v2/models/iris', bearer(key))).statusCode).toBe(429);
      expect((await from(LAN, 'POST', infer, bearer(other), IRIS_REQUEST)).statusCode).toBe(200);
      // Key-less loopback clients and the admin are not rate limited per key.
      expect((await from('127.0.0.1', 'POST', infer, {}, IRIS_REQUEST)).statusCode).toBe(200);
      expect((await from('127.0.0.1', 'POST', infer, {}, IRIS_REQUEST)).statusCode).toBe(200);
    } finally {
      expect((await putNetwork(s, { rateLimit: { perSecond: null } })).status).toBe(200);
    }
    expect((await from(LAN, 'POST', infer, bearer(key), IRIS_REQUEST)).statusCode).toBe(200);
  });

  it('limits the requests a key has in flight, by its own limit, and frees the slot when one ends', async () => {
    const { id, key: k } = await createKey(s, { name: 'one at a time' });
    const set = await s.admin(`/admin/v1/network/keys/${id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxConcurrent: 1 }) });
    expect(set.status).toBe(200);
    expect(await set.json()).toEqual({ id, name: 'one at a time', ratePerSecond: null, maxConcurrent: 1 });

    const body = heldBody();
    const first = s.app.inject({ method: 'POST', url: infer, remoteAddress: LAN, headers: { 'content-type': 'application/json', ...bearer(k) }, payload: body.stream });
    await body.reading;
    const second = await from(LAN, 'POST', infer, bearer(k), IRIS_REQUEST);
    expect(second.statusCode).toBe(429);
    expect(second.headers['retry-after']).toBe('1');
    expect(second.json<{ error: string }>().error).toMatch(/at most 1 at once/);
    // Another key is not held up by this one.
    expect((await from(LAN, 'POST', infer, bearer(key), IRIS_REQUEST)).statusCode).toBe(200);
    body.finish();
    expect((await first).statusCode).toBe(200);
    expect((await from(LAN, 'POST', infer, bearer(k), IRIS_REQUEST)).statusCode).toBe(200);
    expect((await from(LAN, 'POST', infer, bearer(k), IRIS_REQUEST)).statusCode).toBe(200);

    const view = await (await s.admin('/admin/v1/network')).json() as { keyLimits: unknown[] };
    expect(view.keyLimits).toContainEqual({ id, name: 'one at a time', ratePerSecond: null, maxConcurrent: 1 });
    const missing = await s.admin('/admin/v1/network/keys/key_nope', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxConcurrent: 1 }) });
    expect(missing.status).toBe(404);
  });

  it('refuses an exposure the machine cannot serve, and changes nothing', async () => {
    const bad = await putNetwork(s, { exposure: 'no-such-interface0' });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/"no-such-interface0" is neither "loopback", "all", an interface/);
    const view = await (await s.admin('/admin/v1/network')).json() as { exposure: string; lan: boolean };
    expect(view).toMatchObject({ exposure: 'loopback', lan: false });
  });
});
