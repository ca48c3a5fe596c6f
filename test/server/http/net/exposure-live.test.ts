import { rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../helpers/server.js';
import { bearer, createKey, IRIS_REQUEST, portBelowEphemeral } from './helpers.js';
import { cli } from '../../../helpers/cli.js';

/** One of this machine's own non-loopback addresses: connecting to it from here comes from it too. */
function lanAddress(): { name: string; address: string } {
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const i of infos ?? []) if (!i.internal && i.family === 'IPv4') return { name, address: i.address };
  }
  for (const [name, infos] of Object.entries(os.networkInterfaces())) {
    for (const i of infos ?? []) if (!i.internal && !i.address.startsWith('fe80')) return { name, address: i.address };
  }
  throw new Error('This test needs a network interface other than loopback (any address will do; no traffic leaves the machine).');
}

/** A raw HTTP/1.1 exchange on its own socket; resolves with what came back once the server closed it. */
function rawExchange(host: string, port: number, head: string, firstBody = ''): Promise<{ response: string; closedByServer: boolean }> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host, port }, () => sock.write(head + firstBody));
    let response = '';
    sock.on('data', (d) => { response += d.toString('latin1'); });
    sock.on('error', reject);
    sock.on('close', () => resolve({ response, closedByServer: true }));
  });
}

describe('LAN exposure, switched at run time', () => {
  const lan = lanAddress();
  const host = lan.address.includes(':') ? `[${lan.address}]` : lan.address;
  let s: TestServer;
  let port: number;
  let key: string;
  let dataDir: string;
  /** How the CLI reaches the server (it is restarted on another port below). */
  const conn = () => ['--url', s.url, '--data-dir', s.dataDir];
  beforeAll(async () => {
    // The server is later exposed on the LAN address and on every address, restarted on the same port.
    s = await startTestServer({ port: await portBelowEphemeral([lan.address]) });
    dataDir = s.dataDir;
    port = Number(new URL(s.url).port);
    key = (await createKey(s, { name: 'lan client' })).key;
  });
  afterAll(async () => {
    await s.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const lanFetch = (pathname: string, init: RequestInit = {}) => fetch(`http://${host}:${port}${pathname}`, init);

  it('listens on loopback only by default: the LAN address is refused at the TCP level', async () => {
    const show = await cli(['network', 'show', ...conn()]);
    expect(show.code).toBe(0);
    expect(show.out).toMatch(/Exposure: +loopback \(this machine only\)/);
    expect(show.out).toMatch(new RegExp(`Listening: +127\\.0\\.0\\.1:${port}$`, 'm'));
    await expect(lanFetch('/v2/health/live')).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
  });

  it('exposes every interface from the CLI, without a restart, and LAN clients then need a key', async () => {
    const allow = await cli(['network', 'allow', '--add', `${lan.address}/${lan.address.includes(':') ? 128 : 32}`, ...conn()]);
    expect(allow.code, allow.err).toBe(0);
    const expose = await cli(['network', 'expose', 'all', ...conn()]);
    expect(expose.code, expose.err).toBe(0);
    expect(expose.out).toMatch(/Exposure: +all \(LAN\)/);
    expect(expose.out).toMatch(/LAN clients need an API key/);
    expect(expose.out).toContain(`http://${host}:${port}`);

    const anonymous = await lanFetch('/v2/models/iris');
    expect(anonymous.status).toBe(401);
    const withKey = await lanFetch('/v2/models/iris/infer', { method: 'POST', headers: { 'content-type': 'application/json', ...bearer(key) }, body: JSON.stringify(IRIS_REQUEST) });
    expect(withKey.status).toBe(200);
    // Loopback keeps working, key-less, on the same port.
    expect((await fetch(`${s.url}/v2/models/iris`)).status).toBe(200);
  });

  it('refuses a LAN client outside the allowlist with 403 before it has sent its body', async () => {
    const removed = await cli(['network', 'allow', '--remove', `${lan.address}/${lan.address.includes(':') ? 128 : 32}`, ...conn()]);
    expect(removed.code, removed.err).toBe(0);
    const declared = 50 * 1024 * 1024;
    const { response, closedByServer } = await rawExchange(lan.address, port,
      `POST /v2/models/iris/infer HTTP/1.1\r\nHost: ${host}:${port}\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
      '{"inputs": [');
    // 50 MiB were announced and 12 bytes sent; the answer and the close came anyway.
    expect(closedByServer).toBe(true);
    expect(response).toMatch(/^HTTP\/1\.1 403 /);
    expect(response).toMatch(/is not in this server's client allowlist/);
    expect(response.toLowerCase()).toContain('connection: close');
    const restored = await cli(['network', 'allow', '--add', `${lan.address}/${lan.address.includes(':') ? 128 : 32}`, ...conn()]);
    expect(restored.code).toBe(0);
  });

  it('exposes one interface by name beside loopback', async () => {
    const r = await cli(['network', 'expose', lan.name, '--json', ...conn()]);
    expect(r.code, r.err).toBe(0);
    const v = JSON.parse(r.out) as { exposure: string; lan: boolean; listening: { address: string }[] };
    expect(v.exposure).toBe(lan.name);
    expect(v.lan).toBe(true);
    expect(v.listening.map((l) => l.address)).toContain('127.0.0.1');
    expect(v.listening.map((l) => l.address)).toContain(lan.address);
    expect((await lanFetch('/v2/models/iris', { headers: bearer(key) })).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/iris`)).status).toBe(200);
  });

  it('switching back to loopback closes LAN connections at once and refuses new ones', async () => {
    // A LAN client with a connection open (keep-alive, between requests).
    const sock = net.connect({ host: lan.address, port });
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const closed = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    sock.write(`GET /v2/health/live HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
    await new Promise<void>((resolve) => sock.once('data', () => resolve()));

    const back = await cli(['network', 'expose', 'loopback', ...conn()]);
    expect(back.code, back.err).toBe(0);
    expect(back.out).toMatch(/Exposure: +loopback/);
    await closed;
    await expect(lanFetch('/v2/health/live')).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
  });

  it('keeps the exposure for later starts unless --host is given', async () => {
    expect((await cli(['network', 'expose', 'all', ...conn()])).code).toBe(0);
    await s.close();
    const again = await startTestServer({ port: await portBelowEphemeral([lan.address]) }, dataDir);
    try {
      const v = await (await again.admin('/admin/v1/network')).json() as { exposure: string; listening: { address: string }[] };
      expect(v.exposure).toBe('all');
      expect(['::', '0.0.0.0']).toContain(v.listening[0].address);
      const p = Number(new URL(again.url).port);
      expect((await fetch(`http://${host}:${p}/v2/models/iris`, { headers: bearer(key) })).status).toBe(200);
    } finally {
      await again.close();
    }
    const given = await startTestServer({ host: '127.0.0.1' }, dataDir);
    try {
      const v = await (await given.admin('/admin/v1/network')).json() as { exposure: string; listening: { address: string }[] };
      expect(v.exposure).toBe('loopback');
      expect(v.listening.map((l) => l.address)).toEqual(['127.0.0.1']);
    } finally {
      await given.close();
    }
    s = await startTestServer({ host: '127.0.0.1' }, dataDir);
  });

  it('refuses an address of another machine and keeps serving as before', async () => {
    const r = await cli(['network', 'expose', '198.51.100.77', ...conn()]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/400: 198\.51\.100\.77 is not an address of this machine/);
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
  });
});

describe('shutting down while exposed on one interface', () => {
  it('lets a LAN request in flight finish before the services close', async () => {
    const lan = lanAddress();
    const cidr = `${lan.address}/${lan.address.includes(':') ? 128 : 32}`;
    // The port was free on the LAN address when picked, but the parallel suite can take it before
    // the server listens there (409, address in use: seen once in CI). That is not what this test
    // is about, so it starts again on another port, at most three times.
    let s = await startTestServer({ port: await portBelowEphemeral([lan.address]) });
    for (let attempt = 1; ; attempt++) {
      const put = await s.admin('/admin/v1/network', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ exposure: lan.address, allow: [cidr] }) });
      if (put.status !== 409 || attempt === 3) {
        expect(put.status).toBe(200);
        break;
      }
      await s.stop();
      s = await startTestServer({ port: await portBelowEphemeral([lan.address]) });
    }
    const port = Number(new URL(s.url).port);
    const { key } = await createKey(s, { name: 'late client' });

    const body = JSON.stringify(IRIS_REQUEST);
    const sock = net.connect({ host: lan.address, port });
    let response = '';
    sock.on('data', (d) => { response += d.toString(); });
    const done = new Promise<void>((resolve) => sock.once('close', () => resolve()));
    await new Promise<void>((resolve) => sock.once('connect', () => resolve()));
    const received = new Promise<void>((resolve) => s.app.server.once('request', () => resolve()));
    sock.write(`POST /v2/models/iris/infer HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    // The server has the request's head and waits for the rest of its body; now it is told to stop.
    await received;
    const closing = s.close();
    sock.write(body.slice(10));
    await closing;
    await done;
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain('"model_name":"iris"');
    await rm(s.dataDir, { recursive: true, force: true });
  });
});
