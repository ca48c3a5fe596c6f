import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { HostCheck, hostName } from '../../../server/http/net/host-check.js';
import { json, post, startTestServer, type TestServer } from '../../helpers/server.js';

const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

/** A request with a Host header of our choosing (fetch will not let a caller set Host). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
}

describe('DNS rebinding: the Host header must name this server', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('refuses a rebound name with its matching Origin, and answers the loopback names', async () => {
    s = await startTestServer();
    const port = new URL(s.url).port;
    // The attack: a page from attacker.example whose DNS now points at 127.0.0.1.
    const attack = await rawGet(`${s.url}/v2/models/iris`, { host: `attacker.example:${port}`, origin: `http://attacker.example:${port}` });
    expect(attack.status).toBe(403);
    expect(attack.body).toContain('attacker.example');
    expect(attack.body).not.toContain('"inputs"');
    // Without an Origin too (a rebound page's simple GET, or an img tag).
    expect((await rawGet(`${s.url}/v2/models/iris`, { host: `attacker.example:${port}` })).status).toBe(403);
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `app.localhost:${port}`, `[::1]:${port}`, `${(await import('node:os')).hostname()}:${port}`]) {
      expect((await rawGet(`${s.url}/v2/models/iris`, { host })).status, host).toBe(200);
    }
  });

  it('answers a name the admin lists with --allowed-hosts', async () => {
    s = await startTestServer({ allowedHosts: ['hearth.plant.example', '*.lab.example'] });
    const port = new URL(s.url).port;
    expect((await rawGet(`${s.url}/v2/models/iris`, { host: `hearth.plant.example:${port}` })).status).toBe(200);
    expect((await rawGet(`${s.url}/v2/models/iris`, { host: `gpu1.lab.example` })).status).toBe(200);
    expect((await rawGet(`${s.url}/v2/models/iris`, { host: `lab.example.attacker.example` })).status).toBe(403);
  });

  it('makes a cross-origin page present a key even on loopback, where the machine\'s own clients need none', async () => {
    s = await startTestServer({ corsOrigins: ['http://dashboard.example'] });
    const cross = await post(`${s.url}/v2/models/iris/infer`, body, { origin: 'http://dashboard.example' });
    expect(cross.status).toBe(401);
    expect(cross.headers.get('access-control-allow-origin')).toBe('http://dashboard.example');
    const local = await post(`${s.url}/v2/models/iris/infer`, body);
    expect(local.status).toBe(200);
    const { key } = (await json<{ key: string }>(s.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'dashboard' }),
    }))).body;
    expect((await post(`${s.url}/v2/models/iris/infer`, body, { origin: 'http://dashboard.example', authorization: `Bearer ${key}` })).status).toBe(200);
  });

  it('with --trust-proxy, a client behind the proxy cannot claim to be loopback', async () => {
    s = await startTestServer({ trustProxy: ['127.0.0.1/32'] });
    const claimed = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '127.0.0.1' });
    expect(claimed.status).toBe(401);
    const spoofChain = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '10.1.2.3, 127.0.0.1' });
    expect(spoofChain.status).toBe(401);
    // A process on the machine itself, not forwarded, still needs no key.
    expect((await post(`${s.url}/v2/models/iris/infer`, body)).status).toBe(200);
  });
});

describe('HostCheck', () => {
  it('reads the name out of a Host header', () => {
    expect(hostName('Example.ORG.:8080')).toBe('example.org');
    expect(hostName('[fe80::1]:80')).toBe('fe80::1');
    expect(hostName('a b')).toBeUndefined();
    expect(hostName('[::1]x')).toBeUndefined();
  });

  it('accepts addresses, localhost, the machine name and listed names, nothing else', () => {
    const c = new HostCheck(['models.example'], 'box.corp.example');
    for (const ok of ['10.0.0.5:8600', '[::1]', 'localhost', 'x.localhost:1', 'box', 'box.corp.example', 'MODELS.example:443']) expect(c.allows(ok), ok).toBe(true);
    for (const bad of ['attacker.example', 'box.attacker.example', 'localhost.attacker.example', 'models.example.evil', '']) expect(c.allows(bad), bad).toBe(false);
    expect(c.allows(undefined)).toBe(true);
    expect(new HostCheck(['*'], 'box').allows('anything.example')).toBe(true);
  });
});
