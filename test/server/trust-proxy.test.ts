import { afterEach, describe, expect, it } from 'vitest';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';

const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

describe('behind a load balancer (--trust-proxy)', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('takes the client from X-Forwarded-For only from a listed proxy: a LAN client behind it needs a key', async () => {
    s = await startTestServer({ trustProxy: ['127.0.0.1/32'] });
    const anon = await json<{ error: string }>(post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '192.168.7.20', 'x-request-id': 'via-proxy' }));
    expect(anon.status).toBe(401);
    const { key } = (await json<{ key: string }>(s.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'lan-app' }),
    }))).body;
    const ok = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '192.168.7.20', authorization: `Bearer ${key}`, 'x-request-id': 'keyed' });
    expect(ok.status).toBe(200);
    const outside = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '8.8.8.8', authorization: `Bearer ${key}` });
    expect(outside.status).toBe(403); // not in the default allowlist of private ranges
    const rows = (await json<{ rows: { requestId: string; client: string }[] }>(s.admin('/admin/v1/usage'))).body.rows;
    expect(rows.find((r) => r.requestId.endsWith(' keyed'))?.client).toBe('192.168.7.20');
  });

  it('ignores X-Forwarded-For when no proxy is trusted, so a client cannot claim another address', async () => {
    s = await startTestServer();
    const r = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '8.8.8.8', 'x-request-id': 'forged' });
    expect(r.status).toBe(200);
    const rows = (await json<{ rows: { requestId: string; client: string }[] }>(s.admin('/admin/v1/usage'))).body.rows;
    expect(rows.find((x) => x.requestId.endsWith(' forged'))?.client).toBe('127.0.0.1');
  });
});
