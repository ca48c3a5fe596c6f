import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';

const feature = (extra: Record<string, unknown>) => ({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4], ...extra }] });

describe('bad inference requests get a 400/404 naming the problem, and the server keeps serving', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(); });
  afterAll(async () => { await s.stop(); });

  const cases: [string, string, unknown, number, RegExp][] = [
    ['unknown model', '/v2/models/nope/infer', feature({}), 404, /no model named "nope"/],
    ['unknown version', '/v2/models/iris/versions/9/infer', feature({}), 404, /no version 9/],
    ['missing input', '/v2/models/iris/infer', { inputs: [] }, 400, /missing input.*features/],
    ['unknown input', '/v2/models/iris/infer', { inputs: [{ name: 'pixels', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 400, /pixels/],
    ['wrong datatype', '/v2/models/iris/infer', feature({ datatype: 'INT32' }), 400, /features/],
    ['shape that does not fit', '/v2/models/iris/infer', feature({ shape: [1, 5], data: [1, 2, 3, 4, 5] }), 400, /features/],
    ['wrong rank', '/v2/models/iris/infer', feature({ shape: [4] }), 400, /features/],
    ['element count mismatch', '/v2/models/iris/infer', feature({ shape: [2, 4] }), 400, /features/],
    ['non-numeric data', '/v2/models/iris/infer', feature({ data: [1, 'two', 3, 4] }), 400, /features/],
    ['negative dimension', '/v2/models/iris/infer', feature({ shape: [-1, 4] }), 400, /features/],
    ['absurd dimension with tiny data', '/v2/models/iris/infer', feature({ shape: [1e12, 4] }), 400, /features/],
    ['unknown requested output', '/v2/models/iris/infer', { ...feature({}), outputs: [{ name: 'nope' }] }, 400, /nope/],
    ['BF16 input', '/v2/models/iris/infer', feature({ datatype: 'BF16' }), 400, /BF16/],
    ['no inputs array', '/v2/models/iris/infer', { foo: 1 }, 400, /inputs/],
  ];

  for (const [what, path, body, status, message] of cases) {
    it(`${what} -> ${status}`, async () => {
      const r = await json<{ error: string }>(post(`${s.url}${path}`, body));
      expect(r.status).toBe(status);
      expect(r.body.error).toMatch(message);
    });
  }

  it('rejects a body that is not JSON with 400', async () => {
    const r = await fetch(`${s.url}/v2/models/iris/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"inputs": [' });
    expect(r.status).toBe(400);
    expect(((await r.json()) as { error: string }).error).toMatch(/not valid JSON/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await json<{ error: string }>(fetch(`${s.url}/v2/nothing-here`));
    expect(r.status).toBe(404);
    expect(r.body.error).toMatch(/No endpoint GET \/v2\/nothing-here/);
  });

  it('still answers correctly after all of that', async () => {
    const r = await json<{ outputs: { name: string; shape: number[] }[] }>(post(`${s.url}/v2/models/iris/infer`, feature({})));
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].shape).toEqual([1, 3]);
  });
});
