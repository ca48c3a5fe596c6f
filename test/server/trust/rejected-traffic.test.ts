import { afterEach, describe, expect, it } from 'vitest';
import { RejectionBudget } from '../../../server/http/net/rejections.js';
import { json, post, startTestServer, type TestServer } from '../../helpers/server.js';

const body = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] };

interface Row { seq: number; kind: string; action: string | null; client: string | null; status: number | null; detail: string | null }

async function usageRows(s: TestServer): Promise<Row[]> {
  return (await json<{ rows: Row[] }>(s.admin('/admin/v1/usage?limit=1000&kind=all'))).body.rows;
}

describe('rejected traffic costs the server almost nothing', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('made-up model names grow neither the registry memo nor the usage log by one entry each', async () => {
    s = await startTestServer();
    const before = (await usageRows(s)).length;
    for (let i = 0; i < 1500; i++) {
      const r = await post(`${s.url}/v2/models/nope-${i}/infer`, body);
      expect(r.status).toBe(404);
      await r.arrayBuffer();
    }
    // Positive answers only: the demo model's few lookups, not 1,500 misses.
    expect(s.services.registry.rememberedLookups).toBeLessThan(20);
    const rows = await usageRows(s);
    const added = rows.slice(0, rows.length - before);
    expect(added.length).toBeLessThan(5);
    const summary = rows.find((r) => r.action === 'rejected_requests' && r.status === null);
    expect(summary).toBeDefined();
    const detail = JSON.parse(summary?.detail ?? '{}') as { status: number; count: number; models: string[] };
    expect(detail).toMatchObject({ status: 404, count: 1500 });
    expect(detail.models).toHaveLength(5);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    expect(metrics).toContain('hearth_rejected_requests_total{status="404"} 1500');
    // Real traffic is still recorded one by one.
    expect((await post(`${s.url}/v2/models/iris/infer`, body, { 'x-request-id': 'real-one' })).status).toBe(200);
    expect((await json<{ rows: { requestId: string }[] }>(s.admin('/admin/v1/usage'))).body.rows.some((r) => r.requestId.endsWith(' real-one'))).toBe(true);
  });

  it('a LAN address that keeps guessing keys gets 429; its neighbours and its valid keys do not', async () => {
    s = await startTestServer({ trustProxy: ['127.0.0.1/32'], rejectedPerSecond: 0.5 });
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '192.168.7.20', authorization: `Bearer hearth_guess${i}` });
      statuses.push(r.status);
      if (r.status === 429) expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      await r.arrayBuffer();
    }
    // A burst of 10 s worth (5) refused as 401, then 429 until the budget refills (one per 2 s).
    expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
    expect(statuses.filter((x) => x === 401).length).toBeLessThan(12);
    expect(statuses.filter((x) => x === 429).length).toBeGreaterThan(28);
    const neighbour = await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '192.168.7.21' });
    expect(neighbour.status).toBe(401);
    const { key } = (await json<{ key: string }>(s.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'behind-the-same-nat' }),
    }))).body;
    expect((await post(`${s.url}/v2/models/iris/infer`, body, { 'x-forwarded-for': '192.168.7.20', authorization: `Bearer ${key}` })).status).toBe(200);
    // Health stays reachable for the throttled address.
    expect((await fetch(`${s.url}/v2/health/live`, { headers: { 'x-forwarded-for': '192.168.7.20' } })).status).toBe(200);
    const rows = await usageRows(s);
    const summaries = rows.filter((r) => r.action === 'rejected_requests' && r.client === '192.168.7.20').map((r) => JSON.parse(r.detail ?? '{}') as { status: number; count: number });
    expect(summaries.map((x) => x.status).sort()).toEqual([401, 429]);
    expect(summaries.reduce((n, x) => n + x.count, 0)).toBe(40);
  });
});

describe('RejectionBudget', () => {
  it('refills at its rate and forgets addresses that are back to full', () => {
    let t = 0;
    const b = new RejectionBudget({ perSecond: 1, burst: 3 }, () => t);
    for (let i = 0; i < 3; i++) { expect(b.retryAfter('a')).toBe(0); b.charge('a'); }
    expect(b.retryAfter('a')).toBe(1);
    t = 1000;
    expect(b.retryAfter('a')).toBe(0);
    t = 10_000;
    expect(b.retryAfter('a')).toBe(0);
    expect(b.tracked).toBe(0);
    expect(new RejectionBudget({ perSecond: 0, burst: 0 }).retryAfter('x')).toBe(0);
  });
});
