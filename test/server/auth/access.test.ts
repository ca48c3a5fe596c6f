import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../../../server/auth/keys.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { bearer, createKey, IRIS_REQUEST } from '../http/net/helpers.js';

const LAN = '192.168.7.20';
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every admin route the server documents, with its path parameters filled in. */
function adminRoutes(s: TestServer): { method: Method; url: string }[] {
  const doc = s.app.swagger() as { paths: Record<string, Record<string, unknown>> };
  const out: { method: Method; url: string }[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    const admin = path.startsWith('/admin/v1/') || /^\/v2\/repository\/models\/\{name\}\/(load|unload)$/.test(path);
    // The identity challenge is public by design: it proves the server to a client before the token is sent.
    if (!admin || path === '/admin/v1/identity') continue;
    const url = path.replace(/\{version\}/g, '1').replace(/\{[^}]+\}/g, 'x');
    for (const method of Object.keys(ops)) out.push({ method: method.toUpperCase() as Method, url });
  }
  return out;
}

describe('who may call what', () => {
  let s: TestServer;
  let full: { id: string; key: string };
  beforeAll(async () => {
    // Hundreds of refusals from one LAN address: the refusal budget (tested in trust/) would step in.
    s = await startTestServer({ rejectedPerSecond: 0 });
    full = await createKey(s, { name: 'full' });
  });
  afterAll(async () => { await s.stop(); });

  const call = (method: Method, url: string, headers: Record<string, string> = {}, remoteAddress = '127.0.0.1', payload?: unknown) =>
    s.app.inject({ method, url, remoteAddress, headers, ...(payload !== undefined ? { payload: payload as string } : {}) });

  it('refuses every admin route without a token, with a wrong token and with an API key', async () => {
    const routes = adminRoutes(s);
    // The keys, network, models, usage and audit routes at least; a broken enumeration would pass vacuously.
    expect(routes.length).toBeGreaterThanOrEqual(20);
    expect(routes).toContainEqual({ method: 'PUT', url: '/admin/v1/network' });
    expect(routes).toContainEqual({ method: 'POST', url: '/admin/v1/keys' });
    expect(routes).toContainEqual({ method: 'POST', url: '/v2/repository/models/x/load' });
    const attempts: [string, Record<string, string>, RegExp][] = [
      ['no token', {}, /needs the admin token/],
      ['wrong token', bearer('hearth_admin_not-the-token-at-all-0000000000'), /admin token is not valid/],
      ['malformed header', { authorization: 'Basic YWRtaW46YWRtaW4=' }, /admin token is not valid/],
      ['API key', bearer(full.key), /API keys cannot call admin routes/],
    ];
    for (const { method, url } of routes) {
      for (const [what, headers, message] of attempts) {
        for (const address of ['127.0.0.1', LAN]) {
          const res = await call(method, url, headers, address, method === 'GET' || method === 'DELETE' ? undefined : {});
          expect(res.statusCode, `${what} ${method} ${url} from ${address}`).toBe(401);
          expect(res.json<{ error: string }>().error, `${what} ${method} ${url}`).toMatch(message);
        }
      }
    }
  });

  it('lets the admin token through on admin routes, from the LAN too', async () => {
    expect((await call('GET', '/admin/v1/keys', bearer(s.token))).statusCode).toBe(200);
    expect((await call('GET', '/admin/v1/network', bearer(s.token), LAN)).statusCode).toBe(200);
  });

  it('enforces scopes: a metadata-only key cannot infer, an infer-only key cannot read metadata', async () => {
    const meta = await createKey(s, { name: 'meta', scopes: ['metadata'] });
    const inf = await createKey(s, { name: 'inf', scopes: ['infer'] });
    const denied = await call('POST', '/v2/models/iris/infer', bearer(meta.key), LAN, IRIS_REQUEST);
    expect(denied.statusCode).toBe(403);
    expect(denied.json<{ error: string }>().error).toMatch(/lacks the "infer" scope/);
    expect((await call('GET', '/v2/models/iris', bearer(meta.key), LAN)).statusCode).toBe(200);
    expect((await call('POST', '/v2/models/iris/infer', bearer(inf.key), LAN, IRIS_REQUEST)).statusCode).toBe(200);
    const noMeta = await call('GET', '/v2/models/iris', bearer(inf.key), LAN);
    expect(noMeta.statusCode).toBe(403);
    expect(noMeta.json<{ error: string }>().error).toMatch(/lacks the "metadata" scope/);
  });

  it('enforces a key\'s model list with 403, on inference and metadata alike', async () => {
    const other = await createKey(s, { name: 'other model only', models: ['other'] });
    const iris = await createKey(s, { name: 'iris only', models: ['iris'] });
    for (const [method, url, body] of [
      ['POST', '/v2/models/iris/infer', IRIS_REQUEST], ['POST', '/v2/models/iris/versions/1/infer', IRIS_REQUEST],
      ['GET', '/v2/models/iris', undefined], ['GET', '/v2/models/iris/ready', undefined], ['GET', '/v2/models/iris/stats', undefined],
    ] as [Method, string, unknown][]) {
      const res = await call(method, url, bearer(other.key), LAN, body);
      expect(res.statusCode, url).toBe(403);
      expect(res.json<{ error: string }>().error).toMatch(/may not call model "iris"/);
    }
    expect((await call('POST', '/v2/models/iris/infer', bearer(iris.key), LAN, IRIS_REQUEST)).statusCode).toBe(200);
    const listed = await call('POST', '/v2/repository/index', bearer(other.key), LAN, {});
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([]);
  });

  it('gives unknown, malformed, revoked and expired keys the same 401', async () => {
    const revoked = await createKey(s, { name: 'revoked' });
    expect((await call('POST', '/v2/models/iris/infer', bearer(revoked.key), LAN, IRIS_REQUEST)).statusCode).toBe(200);
    expect((await s.admin(`/admin/v1/keys/${revoked.id}`, { method: 'DELETE' })).status).toBe(200);
    const expiring = await createKey(s, { name: 'expiring', expiresAt: Date.now() + 3_600_000 });
    expect((await call('POST', '/v2/models/iris/infer', bearer(expiring.key), LAN, IRIS_REQUEST)).statusCode).toBe(200);
    // The clock moved on: the expiry is now in the past. Keys are cached between requests and the
    // cache is emptied by every key write, so a direct database edit counts from the next one.
    s.services.db.prepare('UPDATE api_keys SET expires_at = ? WHERE id = ?').run(Date.now() - 1, expiring.id);
    await createKey(s, { name: 'any key write' });

    const typo = `${full.key.slice(0, -1)}${full.key.endsWith('0') ? '1' : '0'}`;
    const answers = [];
    for (const k of [generateKey(), typo, 'hearth_short', revoked.key, expiring.key]) {
      for (const address of [LAN, '127.0.0.1']) {
        const res = await call('POST', '/v2/models/iris/infer', bearer(k), address, IRIS_REQUEST);
        answers.push({ status: res.statusCode, body: res.body });
      }
    }
    expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
    expect(answers[0]).toEqual({ status: 401, body: JSON.stringify({ error: 'The API key is not valid (unknown, revoked or expired).' }) });
  });
});

describe('--require-api-key', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ requireApiKey: true }); });
  afterAll(async () => { await s.stop(); });

  it('makes loopback clients present a key too', async () => {
    const res = await s.app.inject({ method: 'POST', url: '/v2/models/iris/infer', remoteAddress: '127.0.0.1', payload: IRIS_REQUEST });
    expect(res.statusCode).toBe(401);
    const { key } = await createKey(s, { name: 'local app' });
    const ok = await fetch(`${s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body: JSON.stringify(IRIS_REQUEST) });
    expect(ok.status).toBe(200);
    const view = await (await s.admin('/admin/v1/network')).json() as { requireApiKey: boolean };
    expect(view.requireApiKey).toBe(true);
  });
});
