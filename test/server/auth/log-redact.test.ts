import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type HearthApp } from '../../../server/app.js';
import { redactUrl } from '../../../server/auth/log-redact.js';
import { resolveConfig } from '../../../server/base/config.js';
import { seedDemoModels } from '../../../server/serve.js';
import { createServices, type Services } from '../../../server/services.js';
import { bearer, IRIS_REQUEST } from '../http/net/helpers.js';

describe('the server log', () => {
  let dir: string;
  let services: Services;
  let app: HearthApp;
  const lines: string[] = [];
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-log-'));
    services = await createServices(resolveConfig({ port: 0, dataDir: dir, workers: 1, logLevel: 'trace' }, {}));
    await seedDemoModels(services);
    const stream = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(chunk.toString('utf8')); done(); } });
    // The most talkative level, so that everything the server could log is in the capture.
    app = await buildApp(services, { logger: { level: 'trace', stream } });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('never holds a key or the admin token, whatever clients send', async () => {
    const admin = services.adminToken;
    const created = await app.inject({ method: 'POST', url: '/admin/v1/keys', headers: bearer(admin), payload: { name: 'app' } });
    expect(created.statusCode).toBe(201);
    const key = created.json<{ key: string }>().key;
    const revokedKey = (await app.inject({ method: 'POST', url: '/admin/v1/keys', headers: bearer(admin), payload: { name: 'old' } })).json() as { id: string; key: string };
    await app.inject({ method: 'DELETE', url: `/admin/v1/keys/${revokedKey.id}`, headers: bearer(admin) });
    const typo = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;
    const secrets = [admin, key, revokedKey.key, typo];

    const lan = '192.168.3.3';
    const requests = [
      { method: 'POST', url: '/v2/models/iris/infer', headers: bearer(key), payload: IRIS_REQUEST, remoteAddress: lan },
      { method: 'POST', url: '/v2/models/iris/infer', headers: bearer(typo), payload: IRIS_REQUEST, remoteAddress: lan },
      { method: 'POST', url: '/v2/models/iris/infer', headers: bearer(revokedKey.key), payload: IRIS_REQUEST, remoteAddress: lan },
      { method: 'GET', url: '/admin/v1/keys', headers: bearer(key) },
      { method: 'GET', url: '/admin/v1/keys', headers: bearer(admin) },
      { method: 'GET', url: '/admin/v1/keys', headers: bearer(`${admin}x`) },
      // Clients that put credentials where they do not belong.
      { method: 'GET', url: `/v2/models/iris?api_key=${key}&token=${admin}`, headers: {} },
      { method: 'GET', url: `/v2/models/iris?access_token=${encodeURIComponent(admin)}`, headers: {} },
      { method: 'GET', url: `/v2/models/${key}`, headers: { 'x-api-key': key } },
      { method: 'POST', url: `/admin/v1/models/iris/versions?description=${admin}`, headers: { ...bearer(admin), 'content-type': 'application/octet-stream' }, payload: 'not onnx' },
      { method: 'POST', url: '/admin/v1/keys', headers: bearer(admin), payload: { name: key } },
    ] as const;
    for (const r of requests) await app.inject({ ...r, headers: { ...r.headers } } as InjectOptions);

    // A request Node's parser rejects: Fastify logs the parser error, which carries the raw request bytes.
    const port = (app.server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`GET /v2 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${key}\r\nX-Admin: ${admin}\r\nBad Header\r\n\r\n`);
      });
      sock.on('data', () => undefined);
      sock.on('close', () => resolve());
    });

    const log = lines.join('');
    // The capture is real: it logged the requests, the parser error and a redaction.
    expect(log).toMatch(/"url":"\/v2\/models\/iris\/infer"/);
    expect(log).toMatch(/client error/);
    expect(log).toMatch(/\[redacted\]/);
    expect(lines.length).toBeGreaterThan(2 * requests.length);
    for (const secret of secrets) {
      expect(log.includes(secret)).toBe(false);
      // Nor a long stretch of its random part, nor its bytes as a JSON array (how a logged Buffer looks).
      expect(log.includes(secret.slice(-30, -10))).toBe(false);
      expect(log.includes(JSON.stringify([...Buffer.from(secret)]).slice(1, -1))).toBe(false);
    }
  });

  it('redacts credential-like query values and key-shaped strings from URLs', () => {
    expect(redactUrl('/v2/models/iris?token=abc&x=1&apiKey=def')).toBe('/v2/models/iris?token=[redacted]&x=1&apiKey=[redacted]');
    expect(redactUrl('/v2/models/hearth_AAAAAAAAAAAA_0123abcd/infer')).toBe('/v2/models/hearth_[redacted]/infer');
    expect(redactUrl('/admin/v1/usage?from=1&model=iris')).toBe('/admin/v1/usage?from=1&model=iris');
  });
});
