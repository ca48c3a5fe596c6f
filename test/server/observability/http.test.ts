import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatencyResponse, UptimeReportBody } from '../../../server/observability/api.js';
import { json, post, startTestServer, type TestServer } from '../../helpers/server.js';

const GOOD = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3.0, 5.1, 1.8] }] };

/** The value of one sample line of Prometheus text, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(/,(?=[a-z_]+=")/) : [];
    if (have.length === want.length && want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('metrics, latency history and uptime over HTTP', () => {
  let dataDir: string;
  let server: TestServer;
  let firstRunStartedAt: number;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-obs-http-'));
    server = await startTestServer({}, dataDir);
    for (let i = 0; i < 5; i++) expect((await post(`${server.url}/v2/models/iris/infer`, GOOD)).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${server.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' });
      expect(r.status).toBe(400);
    }
    expect((await post(`${server.url}/v2/models/no-such-model/infer`, GOOD)).status).toBe(404);
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('scrapes /metrics with the requests counted by model, version and outcome', async () => {
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const iris2 = { model: 'iris', version: '2' };
    expect(sample(text, 'hearth_inference_request_success_total', iris2)).toBe(5);
    expect(sample(text, 'hearth_inference_request_failure_total', { ...iris2, reason: 'bad_request' })).toBe(2);
    expect(sample(text, 'hearth_inference_request_failure_total', { model: '', version: '', reason: 'not_found' })).toBe(1);
    expect(text).not.toContain('no-such-model');
    expect(sample(text, 'hearth_inference_request_duration_seconds_count', iris2)).toBe(7);
    expect(sample(text, 'hearth_inference_queue_duration_seconds_count', iris2)).toBe(5);
    expect(sample(text, 'hearth_inference_compute_duration_seconds_count', iris2)).toBe(5);
    expect(sample(text, 'hearth_inference_batch_size_count', iris2)).toBe(5);
    expect(sample(text, 'hearth_inference_batch_size_sum', iris2)).toBe(5);
    expect(sample(text, 'hearth_inference_pending_request_count', iris2)).toBe(0);
    expect(sample(text, 'hearth_models_loaded')).toBe(1);

    // Rows and executions agree with the statistics extension (which counts the warm-up run too).
    const stats = await json<{ model_stats: { inference_count: number; execution_count: number }[] }>(
      fetch(`${server.url}/v2/models/iris/versions/2/stats`));
    const s = stats.body.model_stats[0];
    expect(s.inference_count).toBe(6);
    expect(sample(text, 'hearth_inference_count_total', iris2)).toBe(s.inference_count);
    expect(sample(text, 'hearth_inference_exec_count_total', iris2)).toBe(s.execution_count);
    expect(sample(text, 'hearth_inference_count_total', { model: 'iris', version: '1' })).toBe(0);

    expect(sample(text, 'process_cpu_user_seconds_total')).toBeGreaterThan(0);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('lets a key with the metrics scope scrape; refuses other scopes and keys limited to some models', async () => {
    const make = async (scopes: string[]) => (await json<{ key: string }>(server.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: scopes.join('+'), scopes }),
    }))).body.key;
    const inferOnly = await make(['infer']);
    const metadata = await make(['metadata']);
    const metrics = await make(['metrics']);
    const limited = (await json<{ key: string }>(server.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'one-model', scopes: ['metrics', 'infer'], models: ['iris'] }),
    }))).body.key;
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${inferOnly}` } })).status).toBe(403);
    // The attack: a key for one model (or for metadata only) read every model's names and traffic.
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metadata}` } })).status).toBe(403);
    const narrow = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${limited}` } });
    expect(narrow.status).toBe(403);
    expect(await narrow.text()).not.toContain('hearth_inference');
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${metrics}` } })).status).toBe(200);
    expect((await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.token}` } })).status).toBe(200);
  });

  it('answers the latency history of the minute just served, live', async () => {
    const r = await json<LatencyResponse>(server.admin('/admin/v1/latency?model=iris&version=2'));
    expect(r.status).toBe(200);
    expect(r.body.step).toBe(60);
    expect(r.body.to - r.body.from).toBe(3_600_000);
    expect(r.body.points.length).toBeGreaterThanOrEqual(60);
    const total = r.body.points.reduce((n, p) => n + p.count, 0);
    const errors = r.body.points.reduce((n, p) => n + p.errors, 0);
    expect([total, errors]).toEqual([7, 2]);
    const busy = r.body.points.filter((p) => p.count > 0);
    for (const p of busy) {
      expect(p.p50).toBeGreaterThan(0);
      expect(p.p50 as number).toBeLessThanOrEqual(p.p95 as number);
      expect(p.p95 as number).toBeLessThanOrEqual(p.p99 as number);
    }
    const v1 = await json<LatencyResponse>(server.admin('/admin/v1/latency?model=iris&version=1&step=300'));
    expect(v1.body.points.reduce((n, p) => n + p.count, 0)).toBe(0);
  });

  it('counts a request that timed out in the queue as a timeout, not as unavailable', async () => {
    expect((await server.admin('/admin/v1/models/iris/versions/1/load', { method: 'POST' })).status).toBe(200);
    // The batcher holds a lone request up to a second for company; its own 1 ms timeout runs out first.
    const patched = await server.admin('/admin/v1/models/iris/versions/1/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxQueueDelayUs: 1_000_000 }),
    });
    expect(patched.status).toBe(200);
    const r = await post(`${server.url}/v2/models/iris/versions/1/infer`, { ...GOOD, parameters: { timeout: 1000 } });
    expect(r.status).toBe(503);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    const iris1 = { model: 'iris', version: '1' };
    expect(sample(text, 'hearth_inference_request_failure_total', { ...iris1, reason: 'timeout' })).toBe(1);
    expect(sample(text, 'hearth_inference_request_failure_total', { ...iris1, reason: 'unavailable' })).toBeUndefined();
    expect(sample(text, 'hearth_inference_queue_duration_seconds_count', iris1)).toBeUndefined();
    expect(sample(text, 'hearth_models_loaded')).toBe(2);
  });

  it('refuses bad latency queries with a message, and callers without the admin token', async () => {
    expect((await fetch(`${server.url}/admin/v1/latency?model=iris`)).status).toBe(401);
    expect((await server.admin('/admin/v1/latency?model=nope')).status).toBe(404);
    const odd = await json<{ error: string }>(server.admin('/admin/v1/latency?model=iris&step=90'));
    expect(odd.status).toBe(400);
    expect(odd.body.error).toMatch(/step/);
    const backwards = await json<{ error: string }>(server.admin('/admin/v1/latency?model=iris&from=2000&to=1000'));
    expect(backwards.status).toBe(400);
    expect(backwards.body.error).toMatch(/"from" must be before "to"/);
    const tooMany = await json<{ error: string }>(server.admin('/admin/v1/latency?model=iris&from=0&to=86400000000'));
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.error).toMatch(/larger step/);
  });

  it('reports full uptime on a first run and keeps a target the admin sets', async () => {
    const r = await json<UptimeReportBody>(server.admin('/admin/v1/uptime'));
    expect(r.status).toBe(200);
    expect(r.body.target).toBe(0.999);
    expect(r.body.startedAt).not.toBeNull();
    expect(r.body.since).toBe(r.body.startedAt);
    expect(r.body.server['24h'].downSeconds).toBe(0);
    expect(r.body.server['24h'].availability).toBe(1);
    expect(r.body.models.map((m) => [m.name, m.version, m.ready])).toEqual([['iris', 2, true]]);
    firstRunStartedAt = r.body.startedAt as number;

    const set = await json<{ target: number }>(server.admin('/admin/v1/uptime/target', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 0.99 }),
    }));
    expect(set).toEqual({ status: 200, body: { target: 0.99 } });
    const bad = await server.admin('/admin/v1/uptime/target', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ target: 1.5 }),
    });
    expect(bad.status).toBe(400);
    expect((await fetch(`${server.url}/admin/v1/uptime`)).status).toBe(401);
  });

  it('counts the time between a stop and the next start as down, and keeps history and target across it', async () => {
    await server.close();
    const stoppedBy = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const restartFrom = Date.now();
    server = await startTestServer({}, dataDir);

    const r = await json<UptimeReportBody>(server.admin('/admin/v1/uptime'));
    const gapSeconds = (restartFrom - stoppedBy) / 1000;
    expect(r.body.target).toBe(0.99);
    expect(r.body.since).toBe(firstRunStartedAt);
    expect(r.body.startedAt as number).toBeGreaterThanOrEqual(restartFrom);
    const day = r.body.server['24h'];
    expect(day.downSeconds).toBeGreaterThanOrEqual(gapSeconds);
    expect(day.downSeconds).toBeLessThanOrEqual(((r.body.startedAt as number) - firstRunStartedAt) / 1000);
    expect(day.availability as number).toBeLessThan(1);
    expect(day.budgetLeftSeconds).toBeCloseTo(day.budgetSeconds - day.downSeconds, 2);
    const iris = r.body.models.find((m) => m.name === 'iris');
    expect(iris?.['24h'].downSeconds).toBeGreaterThanOrEqual(gapSeconds);

    const latency = await json<LatencyResponse>(server.admin('/admin/v1/latency?model=iris&version=2&step=3600'));
    expect(latency.body.points.reduce((n, p) => n + p.count, 0)).toBe(7);
  });
});
