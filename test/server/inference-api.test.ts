import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoReference, expectClose } from '../helpers/reference.js';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';

const FLOWERS = [[5.9, 3.0, 5.1, 1.8], [5.1, 3.5, 1.4, 0.2], [6.7, 3.1, 4.4, 1.4]];

interface Out { name: string; datatype: string; shape: number[]; data: number[] }
interface InferBody { model_name: string; model_version: string; id?: string; outputs: Out[] }

describe('Open Inference Protocol over a real server with the demo model', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(); });
  afterAll(async () => { await s.stop(); });

  it('answers health, liveness and readiness', async () => {
    expect((await fetch(`${s.url}/v2/health/live`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/iris/ready`)).status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/iris/versions/2/ready`)).status).toBe(200);
  });

  it('describes the server and its extensions', async () => {
    const { status, body } = await json<{ name: string; extensions: string[] }>(fetch(`${s.url}/v2`));
    expect(status).toBe(200);
    expect(body.name).toBe('hearth');
    expect(body.extensions).toEqual(expect.arrayContaining(['binary_tensor_data', 'model_repository', 'statistics']));
  });

  it('describes the model with -1 for dynamic dimensions and the onnxruntime platform', async () => {
    const { body } = await json(fetch(`${s.url}/v2/models/iris`));
    expect(body).toMatchObject({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'probabilities', datatype: 'FP32', shape: [-1, 3] }, { name: 'label', datatype: 'INT64', shape: [-1] }],
    });
    const v1 = await json(fetch(`${s.url}/v2/models/iris/versions/1`));
    expect(v1.body).toMatchObject({ name: 'iris', parameters: { version: '1' } });
  });

  it('serves production (v2) without a version and each version by number, matching the published weights', async () => {
    const unversioned = await json<InferBody>(post(`${s.url}/v2/models/iris/infer`, {
      id: 'req-42', inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP32', data: FLOWERS }],
    }));
    expect(unversioned.status).toBe(200);
    expect(unversioned.body.model_version).toBe('2');
    expect(unversioned.body.id).toBe('req-42');
    const ref2 = demoReference(2, FLOWERS);
    const probs = unversioned.body.outputs.find((o) => o.name === 'probabilities');
    expect(probs?.shape).toEqual([3, 3]);
    expectClose(probs?.data ?? [], ref2.probabilities.flat());
    expect(unversioned.body.outputs.find((o) => o.name === 'label')?.data).toEqual(ref2.label);

    const v1 = await json<InferBody>(post(`${s.url}/v2/models/iris/versions/1/infer`, {
      inputs: [{ name: 'features', shape: [3, 4], datatype: 'FP32', data: FLOWERS.flat() }],
    }));
    expect(v1.body.model_version).toBe('1');
    expectClose(v1.body.outputs[0].data, demoReference(1, FLOWERS).probabilities.flat());
    expect(v1.body.id).toBeUndefined();
  });

  it('returns only the requested outputs, in the order asked', async () => {
    const { body } = await json<InferBody>(post(`${s.url}/v2/models/iris/infer`, {
      inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [FLOWERS[0]] }],
      outputs: [{ name: 'label' }],
    }));
    expect(body.outputs.map((o) => o.name)).toEqual(['label']);
    expect(body.outputs[0].data).toEqual(demoReference(2, [FLOWERS[0]]).label);
  });

  it('serves an alias by name in the version segment', async () => {
    const put = await s.admin('/admin/v1/models/iris/aliases/canary', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }),
    });
    expect(put.status).toBe(200);
    const { body } = await json<InferBody>(post(`${s.url}/v2/models/iris/versions/canary/infer`, {
      inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [FLOWERS[0]] }],
    }));
    expect(body.model_version).toBe('1');
  });

  it('reports Triton-shaped statistics that count the requests made', async () => {
    const before = await json<{ model_stats: { inference_stats: { success: { count: number } } }[] }>(
      fetch(`${s.url}/v2/models/iris/versions/2/stats`));
    const n0 = before.body.model_stats[0].inference_stats.success.count;
    for (let i = 0; i < 3; i++) {
      await post(`${s.url}/v2/models/iris/versions/2/infer`, { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] });
    }
    await post(`${s.url}/v2/models/iris/versions/2/infer`, { inputs: [{ name: 'features', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] });
    const after = await json<{ model_stats: { name: string; version: string; inference_stats: Record<string, { count: number; ns: number }>; batch_stats: { batch_size: number }[] }[] }>(
      fetch(`${s.url}/v2/models/iris/versions/2/stats`));
    const st = after.body.model_stats[0];
    expect(st).toMatchObject({ name: 'iris', version: '2' });
    expect(st.inference_stats.success.count).toBe(n0 + 3);
    expect(st.inference_stats.compute_infer.ns).toBeGreaterThan(0);
    expect(st.batch_stats.some((b) => b.batch_size === 1)).toBe(true);
    const all = await json<{ model_stats: unknown[] }>(fetch(`${s.url}/v2/models/stats`));
    expect(all.body.model_stats.length).toBe(2);
  });

  it('lists the repository and loads and unloads through the repository extension', async () => {
    const index = await json<{ name: string; version: string; state: string }[]>(post(`${s.url}/v2/repository/index`, {}));
    expect(index.body).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'iris', version: '2', state: 'READY' })]));
    const unload = await s.admin('/v2/repository/models/iris/unload', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parameters: { version: '1' } }) });
    expect(unload.status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/iris/versions/1/ready`)).status).toBe(400);
    const ready = await json<{ name: string; version: string }[]>(post(`${s.url}/v2/repository/index`, { ready: true }));
    expect(ready.body.map((r) => r.version)).toEqual(['2']);
    const load = await s.admin('/v2/repository/models/iris/load', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ parameters: { version: '1' } }) });
    expect(load.status).toBe(200);
    expect((await fetch(`${s.url}/v2/models/iris/versions/1/ready`)).status).toBe(200);
    // Without the admin token, load is refused.
    expect((await post(`${s.url}/v2/repository/models/iris/load`, {})).status).toBe(401);
  });

  it('refuses a repository index body that is not {"ready": boolean}, however deep', async () => {
    const huge = `{"ready": ${'['.repeat(250_000)}${']'.repeat(250_000)}}`;
    for (const body of [huge, '{"ready": "yes"}', '[true]', '"ready"', '{"ready": null}']) {
      const r = await json<{ error: string }>(fetch(`${s.url}/v2/repository/index`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
      expect(r.status).toBe(400);
      expect(r.body.error).toMatch(/"ready" must be true or false|must be a JSON object|not valid JSON/);
    }
    expect((await fetch(`${s.url}/v2/repository/index`, { method: 'POST', body: '{"ready": false}' })).status).toBe(200);
  });

  it('publishes an OpenAPI document of the whole API and an interactive page', async () => {
    const { status, body } = await json<{ paths: Record<string, unknown> }>(fetch(`${s.url}/docs/json`));
    expect(status).toBe(200);
    for (const p of ['/v2/models/{name}/infer', '/v2/models/{name}/versions/{version}/infer', '/v2/health/ready',
      '/v2/repository/index', '/admin/v1/models/{name}/versions', '/admin/v1/models/{name}/rollback', '/admin/v1/keys']) {
      expect(Object.keys(body.paths)).toContain(p);
    }
    const page = await fetch(`${s.url}/docs/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger');
  });
});
