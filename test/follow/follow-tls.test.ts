import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { generateCertificate } from '../../server/http/net/tls.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { createKey, followState, model, register, registryOf } from './helpers.js';

const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const names = { dns: ['localhost'], ips: ['127.0.0.1'] };

/** Something on the path that answers as the leader would and keeps every byte it is sent. */
interface Impostor { url: string; received(): string; close(): Promise<void> }

async function tlsImpostor(): Promise<Impostor> {
  const { cert, key } = await generateCertificate(names);
  let got = '';
  const server = createTlsServer({ cert, key }, (socket) => {
    socket.on('data', (b: Buffer) => { got += b.toString('latin1'); });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => got,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function plainImpostor(): Promise<Impostor> {
  let got = '';
  const server: Server = createHttpServer((req, res) => {
    got += `${req.method} ${req.url} ${JSON.stringify(req.headers)}\n`;
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received: () => got,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

describe('a follower reaches its leader over TLS with the leader\'s certificate pinned', () => {
  let leader: TestServer;
  let fingerprint: string;
  let key: string;
  beforeAll(async () => {
    leader = await startTestServer({ demoModels: false, tls: true });
    fingerprint = leader.app.network.tls?.fingerprint256 ?? '';
    expect(leader.url).toMatch(/^https:/);
    // The admin helper speaks plain fetch, which distrusts the self-signed certificate: register in-process.
    await leader.app.inject({ method: 'POST', url: '/admin/v1/models/m/versions', headers: { authorization: `Bearer ${leader.token}`, 'content-type': 'application/octet-stream' }, payload: Buffer.from(weights(1)) });
    const made = await leader.app.inject({ method: 'POST', url: '/admin/v1/keys', headers: { authorization: `Bearer ${leader.token}` }, payload: { name: 'f', scopes: ['follow'] } });
    key = (made.json<{ key: string }>()).key;
  });
  afterAll(async () => {
    await leader?.stop();
  });

  it('mirrors an https leader whose certificate has the pinned SHA-256 fingerprint', async () => {
    const follower = await startTestServer({ followUrl: leader.url, followKey: key, followFingerprint: fingerprint, followIntervalMs: 100 });
    try {
      expect((await followState(follower)).lastError).toBeNull();
      expect((await model(follower, 'm')).status).toBe(200);
      // The fingerprint is also accepted as plain hex, any case.
      const hex = fingerprint.replace(/:/g, '').toLowerCase();
      const again = await startTestServer({ followUrl: leader.url, followKey: key, followFingerprint: hex, followIntervalMs: 100 });
      try {
        expect(await registryOf(again)).toEqual(await registryOf(follower));
      } finally {
        await again.stop();
      }
    } finally {
      await follower.stop();
    }
  });

  it('refuses a server on the path with another certificate, and sends it nothing', async () => {
    const impostor = await tlsImpostor();
    const follower = await startTestServer({ followUrl: impostor.url, followKey: key, followFingerprint: fingerprint, followIntervalMs: 100 });
    try {
      const state = await followState(follower);
      expect(state.lastError).toMatch(/certificate.*fingerprint/i);
      expect(state.lastSyncAt).toBeNull();
      expect(impostor.received()).not.toContain(key);
      expect(impostor.received()).not.toContain('GET ');
    } finally {
      await follower.stop();
      await impostor.close();
    }
  });

  it('an https leader needs a pinned fingerprint; a malformed one is refused at start', async () => {
    await expect(startTestServer({ followUrl: leader.url, followKey: key })).rejects.toThrow(/--follow-fingerprint/);
    await expect(startTestServer({ followUrl: leader.url, followKey: key, followFingerprint: 'AB:CD' })).rejects.toThrow(/--follow-fingerprint/);
  });

  it('refuses plain http unless --follow-insecure says so, before sending the key anywhere', async () => {
    const onPath = await plainImpostor();
    try {
      await expect(startTestServer({ followUrl: onPath.url, followKey: key })).rejects.toThrow(/--follow-insecure/);
      expect(onPath.received()).toBe('');
      const insecure = await startTestServer({ followUrl: onPath.url, followKey: key, followInsecure: true, followIntervalMs: 100 });
      try {
        expect((await followState(insecure)).lastError).toMatch(/answered 503/);
        expect(onPath.received()).toContain(key);
      } finally {
        await insecure.stop();
      }
    } finally {
      await onPath.close();
    }
  });
});

describe('a plain http leader with --follow-insecure', () => {
  it('is mirrored as before', async () => {
    const leader = await startTestServer({ demoModels: false });
    try {
      await register(leader, 'p', weights(3));
      const { key } = await createKey(leader);
      const follower = await startTestServer({ followUrl: leader.url, followKey: key, followInsecure: true, followIntervalMs: 100 });
      try {
        expect(await registryOf(follower)).toEqual(await registryOf(leader));
      } finally {
        await follower.stop();
      }
    } finally {
      await leader.stop();
    }
  });
});
