import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../helpers/server.js';

/** Sends `data` on a fresh socket and resolves with everything received once the server closes it. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.write(data));
    let got = '';
    sock.on('data', (d) => { got += d.toString('latin1'); });
    sock.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve(got) : reject(err)));
    sock.on('close', () => resolve(got));
  });
}

describe('limits on what one client can hold', () => {
  let s: TestServer;
  let port: number;
  beforeAll(async () => {
    s = await startTestServer({ maxHeaderBytes: 4096, bodyLimitBytes: 4096, headersTimeoutMs: 300, requestTimeoutMs: 600 });
    port = Number(new URL(s.url).port);
  });
  afterAll(async () => { await s.stop(); });

  it('answers 431 to a request head over the limit', async () => {
    const res = await fetch(`${s.url}/v2/health/live`, { headers: { 'x-padding': 'a'.repeat(8192) } });
    expect(res.status).toBe(431);
    expect((await fetch(`${s.url}/v2/health/live`, { headers: { 'x-padding': 'a'.repeat(1024) } })).status).toBe(200);
  });

  it('answers 413 to a body over the limit', async () => {
    const big = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: Array(2000).fill(1.5) }] });
    expect(big.length).toBeGreaterThan(4096);
    const res = await fetch(`${s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: string }).error).toMatch(/larger than the limit of 4096 bytes/);
  });

  it('closes a client that never finishes its request head', async () => {
    const got = await exchange(port, 'GET /v2/health/live HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('closes a client that sends its head but not the body it announced', async () => {
    const got = await exchange(port, 'POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"inputs":');
    expect(got).toMatch(/^HTTP\/1\.1 408 /);
    // And it still serves everyone else.
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
  });

  it('reports its limits to the admin', async () => {
    const v = await (await s.admin('/admin/v1/network')).json() as { limits: Record<string, number> };
    expect(v.limits).toEqual({ bodyLimitBytes: 4096, maxHeaderBytes: 4096, headersTimeoutMs: 300, requestTimeoutMs: 600 });
  });
});
