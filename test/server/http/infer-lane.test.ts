import { mkdtemp, rm } from 'node:fs/promises';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import { PassThrough } from 'node:stream';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../server/base/config.js';
import { startServer, type RunningServer } from '../../../server/serve.js';
import type { InferLane } from '../../../server/http/infer-lane.js';
import { createKey, IRIS_REQUEST, putNetwork } from './net/helpers.js';
import type { TestServer } from '../../helpers/server.js';

// Two servers on the same data: one with the inference lane (the default), one that sends every
// /infer request through Fastify's route. Whatever the lane serves must be answered and recorded
// exactly as the route answers and records it; whatever a check ahead of the route would refuse,
// the lane must leave to Fastify.

interface Started { s: RunningServer; dir: string; token: string }
async function start(inferLane: boolean, overrides: Record<string, unknown> = {}): Promise<Started> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-lane-'));
  const config = resolveConfig({ port: 0, dataDir: dir, logLevel: 'silent', workers: 1, ...overrides }, {});
  const s = await startServer(config, { logger: false, inferLane });
  return { s, dir, token: s.services.adminToken };
}
const admin = (x: Started) => ({ ...x.s, token: x.token, admin: (p: string, init: RequestInit = {}) => fetch(`${x.s.url}${p}`, { ...init, headers: { authorization: `Bearer ${x.token}`, ...(init.headers as Record<string, string> | undefined) } }) }) as unknown as TestServer;

let lane: Started;
let route: Started;
const laneOf = (x: Started): InferLane => x.s.app.inferLane as InferLane;

beforeAll(async () => {
  [lane, route] = await Promise.all([start(true), start(false)]);
  for (const x of [lane, route]) {
    for (let i = 0; i < 100; i++) {
      if ((await fetch(`${x.s.url}/v2/models/iris/ready`)).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}, 60_000);

afterAll(async () => {
  for (const x of [lane, route]) {
    await x.s.close();
    await rm(x.dir, { recursive: true, force: true });
  }
});

/** Triton's binary extension: a JSON header, then the FP32 bytes of `features`. */
function binaryBody(): { body: Buffer; headers: Record<string, string> } {
  const header = Buffer.from(JSON.stringify({
    inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
    outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
  }));
  const data = Buffer.from(Float32Array.from([5.1, 3.5, 1.4, 0.2]).buffer);
  return { body: Buffer.concat([header, data]), headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) } };
}

const CASES: [string, string, RequestInit][] = [
  ['JSON', '/v2/models/iris/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IRIS_REQUEST) }],
  ['numbered version', '/v2/models/iris/versions/1/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IRIS_REQUEST) }],
  ['binary tensors', '/v2/models/iris/infer', { method: 'POST', ...binaryBody() }],
  ['unknown input', '/v2/models/iris/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ ...IRIS_REQUEST.inputs[0], name: 'x' }] }) }],
  ['not JSON', '/v2/models/iris/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' }],
  ['bad timeout', '/v2/models/iris/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ...IRIS_REQUEST, parameters: { timeout: -1 } }) }],
  ['binary part cut short', '/v2/models/iris/infer', { method: 'POST', headers: binaryBody().headers, body: binaryBody().body.subarray(0, -4) }],
  ['no content type', '/v2/models/iris/infer', { method: 'POST', body: Buffer.from(JSON.stringify(IRIS_REQUEST)) }],
  ['unknown version', '/v2/models/iris/versions/9/infer', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(IRIS_REQUEST) }],
];

/** fetch will not send another Host header. */
function withHost(host: string): Promise<number> {
  const body = JSON.stringify(IRIS_REQUEST);
  return new Promise((resolve, reject) => {
    const req = request(`${lane.s.url}/v2/models/iris/infer`, { method: 'POST', headers: { host, 'content-type': 'application/json', 'content-length': String(body.length) } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function answer(x: Started, url: string, init: RequestInit) {
  const res = await fetch(`${x.s.url}${url}`, init);
  const body = Buffer.from(await res.arrayBuffer());
  return { status: res.status, type: res.headers.get('content-type'), length: res.headers.get('inference-header-content-length'), retry: res.headers.get('retry-after'), body: body.toString('base64') };
}

/** The newest usage records, without what differs between two servers by nature (ids, times, latency). */
async function records(x: Started, n: number) {
  await x.s.services.usage.flush();
  const res = await fetch(`${x.s.url}/admin/v1/usage?limit=${n}`, { headers: { authorization: `Bearer ${x.token}` } });
  const { rows } = await res.json() as { rows: Record<string, unknown>[] };
  return rows.map(({ seq: _s, time: _t, requestId, latencyUs, ...rest }) => ({ ...rest, requestId: typeof requestId, latencyUs: typeof latencyUs }));
}

describe('the inference lane', () => {
  it('answers and records every request it takes exactly as the /infer route does', async () => {
    const before = laneOf(lane).taken;
    for (const [what, url, init] of CASES) {
      const [a, b] = [await answer(lane, url, init), await answer(route, url, init)];
      expect(a, what).toEqual(b);
    }
    expect(route.s.app.inferLane).toBeUndefined();
    // All but the unknown version (404 comes from Fastify's route, refusals are never the lane's).
    expect(laneOf(lane).taken - before).toBe(CASES.length - 1);
    expect(await records(lane, CASES.length)).toEqual(await records(route, CASES.length));
    // The metrics count them alike too.
    const count = async (x: Started) => (await (await fetch(`${x.s.url}/metrics`)).text()).split('\n').filter((l) => l.startsWith('hearth_inference_requests_total')).sort();
    expect(await count(lane)).toEqual(await count(route));
  });

  it('leaves to Fastify every request a check ahead of the route refuses, which Fastify then refuses', async () => {
    const l = admin(lane);
    const metadataOnly = (await createKey(l, { name: 'metadata only', scopes: ['metadata'] })).key;
    const otherModel = (await createKey(l, { name: 'other model', scopes: ['infer'], models: ['nope'] })).key;
    const limited = await createKey(l, { name: 'limited', scopes: ['infer'] });
    const set = await l.admin(`/admin/v1/network/keys/${limited.id}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ratePerSecond: 0.001 }) });
    expect(set.status).toBe(200);
    const post = (headers: Record<string, string>, url = '/v2/models/iris/infer') =>
      fetch(`${lane.s.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(IRIS_REQUEST) });
    const before = laneOf(lane).taken;
    expect((await post({ authorization: 'Bearer hearth_notakey' })).status).toBe(401);
    expect((await post({ authorization: `Bearer ${metadataOnly}` })).status).toBe(403);
    expect((await post({ authorization: `Bearer ${otherModel}` })).status).toBe(403);
    expect(await withHost('evil.example')).toBe(403);
    expect((await post({ 'x-request-id': 'two words' })).status).toBe(400);
    expect((await post({ origin: 'https://evil.example' })).status).toBe(403);
    expect((await post({}, '/v2/models/nope/infer')).status).toBe(404);
    expect((await post({ authorization: `Bearer ${limited.key}` })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${limited.key}` })).status).toBe(429);
    // Served, but by the route: the admin token, an alias in the path, a name that needs decoding.
    expect((await post({ authorization: `Bearer ${lane.token}` })).status).toBe(200);
    expect((await post({}, '/v2/models/iris/versions/production/infer')).status).toBe(200);
    expect((await post({}, '/v2/models/%69ris/infer')).status).toBe(200);
    expect(laneOf(lane).taken).toBe(before);
    // And a key with the scope and no limit is served in the lane.
    const good = (await createKey(l, { name: 'good', scopes: ['infer'] })).key;
    expect((await post({ authorization: `Bearer ${good}` })).status).toBe(200);
    expect(laneOf(lane).taken).toBe(before + 1);
  });

  it('was written against every hook the /infer routes run: a hook added there must be added to the lane too', () => {
    // The lane does what these hooks do (infer-lane.ts): networkCheck, authenticate and rateLimit are
    // its accept(), bodyRead its deadline, the two onSend hooks and inferOnError its reply.send().
    // A new hook here would be skipped by every request the lane takes: add its check to the lane
    // (or make the lane leave those requests to Fastify), then add it below.
    const routes = lane.s.app.printRoutes({ includeHooks: true, commonPrefix: false, method: 'POST' }).split('\n');
    for (const url of ['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer']) {
      const at = routes.findIndex((line) => line.includes(`${url} (POST)`));
      expect(at, url).toBeGreaterThanOrEqual(0);
      const hooks: string[] = [];
      for (let i = at + 1; i < routes.length && routes[i].includes('• ('); i++) hooks.push(routes[i].replace(/^[│\s•]+/, ''));
      expect(hooks, url).toEqual([
        '(onRequest) ["networkCheck()","authenticate()","rateLimit()"]',
        '(preValidation) ["bodyRead()"]',
        '(onSend) ["networkOnSend()","inferOnSend()"]',
        '(onError) ["inferOnError()"]',
      ]);
    }
  });

  it('takes a LAN client only with a valid key and only from an allowed address', async () => {
    const l = laneOf(lane);
    const good = (await createKey(admin(lane), { name: 'lan', scopes: ['infer'] })).key;
    const body = JSON.stringify(IRIS_REQUEST);
    const attempt = (remoteAddress: string, headers: Record<string, string> = {}) => {
      const raw = Object.assign(new PassThrough(), {
        method: 'POST', url: '/v2/models/iris/infer', socket: { remoteAddress },
        headers: { host: '127.0.0.1', 'content-type': 'application/json', 'content-length': String(body.length), ...headers },
      });
      let done!: (status: number) => void;
      const answered = new Promise<number>((resolve) => { done = resolve; });
      let status = 0;
      const res = { writeHead: (code: number) => { status = code; }, end: () => done(status) };
      const took = l.take(raw as unknown as IncomingMessage, res as unknown as ServerResponse);
      raw.end(body);
      return { took, answered };
    };
    expect((await putNetwork(admin(lane), { allow: ['10.0.0.0/8'] })).status).toBe(200);
    try {
      // Without a key, from the LAN: Fastify answers it (401).
      expect(attempt('10.0.0.8').took).toBe(false);
      expect(attempt('::ffff:10.0.0.8').took).toBe(false);
      // With a valid key, from outside the allowlist: Fastify answers it (403).
      expect(attempt('192.168.1.50', { authorization: `Bearer ${good}` }).took).toBe(false);
      // With a valid key, from inside: the lane serves it.
      const inside = attempt('10.0.0.8', { authorization: `Bearer ${good}` });
      expect(inside.took).toBe(true);
      expect(await inside.answered).toBe(200);
    } finally {
      expect((await putNetwork(admin(lane), { allow: [] })).status).toBe(200);
    }
    // Keys required: not even loopback without a key.
    const strict = await start(true, { requireApiKey: true });
    try {
      const res = await fetch(`${strict.s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect([res.status, laneOf(strict).taken]).toEqual([401, 0]);
    } finally {
      await strict.s.close();
      await rm(strict.dir, { recursive: true, force: true });
    }
  });
});
