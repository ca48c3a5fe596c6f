import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';

describe('changing instances, threads or placement while serving', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer({ workers: 2 }); });
  afterAll(async () => { await s.stop(); });

  it('opens the new instances beside the old ones and fails no request', async () => {
    let stop = false;
    const codes: number[] = [];
    const client = async () => {
      while (!stop) {
        const r = await post(`${s.url}/v2/models/iris/infer`, { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
        codes.push(r.status);
        await r.arrayBuffer();
      }
    };
    const clients = Array.from({ length: 8 }, client);
    for (const settings of [{ instances: 2 }, { intraOpThreads: 2 }, { instances: 1, intraOpThreads: 1 }, { placement: 'cpu' }]) {
      const r = await s.admin('/admin/v1/models/iris/versions/2/settings', {
        method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(settings),
      });
      expect(r.status).toBe(200);
    }
    stop = true;
    await Promise.all(clients);
    expect(codes.length).toBeGreaterThan(20);
    expect(codes.filter((c) => c !== 200)).toEqual([]);
    const sys = await json<{ loaded: { name: string; version: number; state: string }[] }>(s.admin('/admin/v1/system'));
    expect(sys.body.loaded.find((l) => l.name === 'iris' && l.version === 2)?.state).toBe('READY');
  });
});
