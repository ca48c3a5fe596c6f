import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModel, mlp, slowModel, twoInputModel } from '../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

/** A Triton-style binary request: the JSON header, then the raw tensor bytes. */
function binaryRequest(header: unknown, ...tensors: Uint8Array[]): { body: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(JSON.stringify(header));
  return {
    body: Buffer.concat([head, ...tensors.map((t) => Buffer.from(t.buffer, t.byteOffset, t.byteLength))]),
    headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(head.length) },
  };
}

function parseBinaryResponse(buf: Buffer, headerLength: number): { header: { outputs: { name: string; datatype: string; shape: number[]; parameters?: { binary_data_size?: number }; data?: unknown[] }[] }; parts: Buffer[] } {
  const header = JSON.parse(buf.subarray(0, headerLength).toString('utf8')) as ReturnType<typeof parseBinaryResponse>['header'];
  const parts: Buffer[] = [];
  let at = headerLength;
  for (const o of header.outputs) {
    const n = o.parameters?.binary_data_size;
    if (n === undefined) continue;
    parts.push(buf.subarray(at, at + n));
    at += n;
  }
  expect(at).toBe(buf.length);
  return { header, parts };
}

const settings = (s: TestServer, name: string, body: unknown) => s.admin(`/admin/v1/models/${name}/versions/1/settings`, {
  method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
});

describe('throughput features over a real server', () => {
  let s: TestServer;
  const mlpBytes = mlp({ layers: [16, 32, 4], seed: 11 });
  let reference: ort.InferenceSession;

  beforeAll(async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    for (const [name, bytes] of [['mlp', mlpBytes], ['two', twoInputModel()], ['slow', slowModel({ depth: 400 })],
      ['id-fp32', identityModel('FP32')], ['id-bytes', identityModel('BYTES')], ['id-bool', identityModel('BOOL')],
      ['id-int64', identityModel('INT64')], ['id-fp16', identityModel('FP16')], ['id-uint8', identityModel('UINT8')]] as const) {
      expect((await upload(s, name, bytes)).status).toBe(201);
    }
    reference = await ort.InferenceSession.create(mlpBytes);
  });
  afterAll(async () => { await reference.release(); await s.stop(); });

  it('joins concurrent requests of different batch sizes and returns each caller exactly its own rows', async () => {
    expect((await settings(s, 'mlp', { maxQueueDelayUs: 50_000, maxBatchSize: 64 })).status).toBe(200);
    const requests = Array.from({ length: 24 }, (_, i) => {
      const rows = (i % 4) + 1;
      return { rows, data: Array.from({ length: rows * 16 }, (_, j) => Math.sin(i * 100 + j)) };
    });
    const answers = await Promise.all(requests.map((r) => json<{ outputs: { shape: number[]; data: number[] }[] }>(post(`${s.url}/v2/models/mlp/infer`, {
      inputs: [{ name: 'input', shape: [r.rows, 16], datatype: 'FP32', data: r.data }],
    }))));
    for (const [i, r] of requests.entries()) {
      const want = await reference.run({ input: new ort.Tensor('float32', Float32Array.from(r.data), [r.rows, 16]) });
      expect(answers[i].status).toBe(200);
      expect(answers[i].body.outputs[0].shape).toEqual([r.rows, 4]);
      const expected = Array.from(want.logits.data as Float32Array);
      answers[i].body.outputs[0].data.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThan(1e-4));
    }
    const stats = await json<{ model_stats: { batch_stats: { batch_size: number }[]; execution_count: number; inference_count: number }[] }>(fetch(`${s.url}/v2/models/mlp/versions/1/stats`));
    const st = stats.body.model_stats[0];
    expect(Math.max(...st.batch_stats.map((b) => b.batch_size))).toBeGreaterThan(4); // proof that requests were joined
    expect(st.execution_count).toBeLessThan(st.inference_count);
  });

  it('answers binary and JSON requests identically for every datatype', async () => {
    const cases: [string, string, unknown[], Uint8Array][] = [
      ['id-fp32', 'FP32', [1.5, -2, 0.25, 0.125], new Uint8Array(Float32Array.from([1.5, -2, 0.25, 0.125]).buffer)],
      ['id-int64', 'INT64', [1, -2, 3, 9007199254740991], new Uint8Array(BigInt64Array.from([1n, -2n, 3n, 9007199254740991n]).buffer)],
      ['id-bool', 'BOOL', [true, false, false, true], Uint8Array.from([1, 0, 0, 1])],
      ['id-uint8', 'UINT8', [0, 9, 200, 255], Uint8Array.from([0, 9, 200, 255])],
      ['id-fp16', 'FP16', [1, -2, 0.5, 65504], new Uint8Array(Uint16Array.from([0x3c00, 0xc000, 0x3800, 0x7bff]).buffer)],
    ];
    for (const [model, datatype, data, raw] of cases) {
      const viaJson = await json<{ outputs: { data: unknown[] }[] }>(post(`${s.url}/v2/models/${model}/infer`, {
        inputs: [{ name: 'x', shape: [2, 2], datatype, data }],
      }));
      const req = binaryRequest({
        inputs: [{ name: 'x', shape: [2, 2], datatype, parameters: { binary_data_size: raw.byteLength } }],
        outputs: [{ name: 'y', parameters: { binary_data: true } }],
      }, raw);
      const res = await fetch(`${s.url}/v2/models/${model}/infer`, { method: 'POST', headers: req.headers, body: req.body });
      expect(res.status, datatype).toBe(200);
      const hl = Number(res.headers.get('inference-header-content-length'));
      const { header, parts } = parseBinaryResponse(Buffer.from(await res.arrayBuffer()), hl);
      expect(header.outputs[0]).toMatchObject({ name: 'y', datatype, shape: [2, 2], parameters: { binary_data_size: raw.byteLength } });
      expect(Buffer.compare(parts[0], Buffer.from(raw))).toBe(0);
      expect(viaJson.body.outputs[0].data).toEqual(data);
    }
    // BYTES: each element a 4-byte little-endian length, then its bytes.
    const words = ['hé', '', 'hearth', 'z'];
    const encoded = Buffer.concat(words.flatMap((w) => { const b = Buffer.from(w); const l = Buffer.alloc(4); l.writeUInt32LE(b.length); return [l, b]; }));
    const req = binaryRequest({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'BYTES', parameters: { binary_data_size: encoded.length } }], parameters: { binary_data_output: true } }, encoded);
    const res = await fetch(`${s.url}/v2/models/id-bytes/infer`, { method: 'POST', headers: req.headers, body: req.body });
    const { parts } = parseBinaryResponse(Buffer.from(await res.arrayBuffer()), Number(res.headers.get('inference-header-content-length')));
    expect(Buffer.compare(parts[0], encoded)).toBe(0);
  });

  it('mixes JSON and binary outputs as asked, and accepts the raw single-input body', async () => {
    const a = new Float32Array([1, 2, 3, 4, 5, 6]);
    const req = binaryRequest({
      inputs: [
        { name: 'a', shape: [2, 3], datatype: 'FP32', parameters: { binary_data_size: 24 } },
        { name: 'b', shape: [2, 3], datatype: 'FP32', data: [1, 1, 1, 2, 2, 2] },
      ],
      outputs: [{ name: 'product', parameters: { binary_data: true } }, { name: 'sum' }],
    }, new Uint8Array(a.buffer));
    const res = await fetch(`${s.url}/v2/models/two/infer`, { method: 'POST', headers: req.headers, body: req.body });
    const { header, parts } = parseBinaryResponse(Buffer.from(await res.arrayBuffer()), Number(res.headers.get('inference-header-content-length')));
    expect(header.outputs.map((o) => o.name)).toEqual(['product', 'sum']);
    expect(Array.from(new Float32Array(parts[0].buffer.slice(parts[0].byteOffset, parts[0].byteOffset + 24)))).toEqual([1, 2, 3, 8, 10, 12]);
    expect(header.outputs[1].data).toEqual([2, 3, 4, 6, 7, 8]);

    const raw = new Float32Array(16).map((_, i) => i / 10);
    const rawRes = await fetch(`${s.url}/v2/models/mlp/infer`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': '0' }, body: Buffer.from(raw.buffer),
    });
    expect(rawRes.status).toBe(200);
    const out = parseBinaryResponse(Buffer.from(await rawRes.arrayBuffer()), Number(rawRes.headers.get('inference-header-content-length')));
    const want = await reference.run({ input: new ort.Tensor('float32', raw, [1, 16]) });
    const got = new Float32Array(out.parts[0].buffer.slice(out.parts[0].byteOffset, out.parts[0].byteOffset + 16));
    Array.from(want.logits.data as Float32Array).forEach((v, i) => expect(Math.abs(v - got[i])).toBeLessThan(1e-4));
    const twoInputs = await fetch(`${s.url}/v2/models/two/infer`, { method: 'POST', headers: { 'inference-header-content-length': '0', 'content-type': 'application/octet-stream' }, body: Buffer.alloc(24) });
    expect(twoInputs.status).toBe(400);
  });

  it('answers the exact requests tritonclient.http sends: no content type, binary inputs, all outputs binary', async () => {
    // tritonclient.http with InferInput.set_data_from_numpy(binary_data=True) and no requested outputs:
    // the JSON header gets parameters.binary_data_output, the raw bytes follow, and no Content-Type is set.
    const raw = new Float32Array([5.9, 3, 5.1, 1.8, 0.1, 0.2, 0.3, 0.4]);
    const header = JSON.stringify({ inputs: [{ name: 'input', shape: [2, 4], datatype: 'FP32', parameters: { binary_data_size: 32 } }], parameters: { binary_data_output: true } });
    await upload(s, 'mlp4', mlp({ layers: [4, 3], seed: 2 }));
    const { request } = await import('node:http');
    const url = new URL(`${s.url}/v2/models/mlp4/infer`);
    const body = Buffer.concat([Buffer.from(header), Buffer.from(raw.buffer)]);
    const res = await new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { 'Inference-Header-Content-Length': String(header.length), 'Content-Length': String(body.length) } }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, headers: r.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(200);
    const hl = Number(res.headers['inference-header-content-length']);
    const { header: h, parts } = parseBinaryResponse(res.body, hl);
    expect(h.outputs[0]).toMatchObject({ name: 'logits', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 24 } });
    const session = await ort.InferenceSession.create(mlp({ layers: [4, 3], seed: 2 }));
    const want = Array.from((await session.run({ input: new ort.Tensor('float32', raw, [2, 4]) })).logits.data as Float32Array);
    await session.release();
    const got = Array.from(new Float32Array(parts[0].buffer.slice(parts[0].byteOffset, parts[0].byteOffset + 24)));
    got.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
  });

  it('refuses malformed binary bodies with 400 and keeps serving', async () => {
    const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: 16 } }] }));
    const bad: [string, Record<string, string>, Buffer][] = [
      ['header length past the body', { 'inference-header-content-length': String(head.length + 100) }, Buffer.concat([head, Buffer.alloc(16)])],
      ['sizes that do not add up', { 'inference-header-content-length': String(head.length) }, Buffer.concat([head, Buffer.alloc(12)])],
      ['trailing bytes', { 'inference-header-content-length': String(head.length) }, Buffer.concat([head, Buffer.alloc(20)])],
      ['negative header length', { 'inference-header-content-length': '-5' }, Buffer.concat([head, Buffer.alloc(16)])],
      ['header that is not JSON', { 'inference-header-content-length': '10' }, Buffer.concat([Buffer.from('not json!!'), Buffer.alloc(16)])],
    ];
    const negative = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', parameters: { binary_data_size: -16 } }] }));
    bad.push(['negative binary_data_size', { 'inference-header-content-length': String(negative.length) }, Buffer.concat([negative, Buffer.alloc(16)])]);
    for (const [what, headers, body] of bad) {
      const r = await fetch(`${s.url}/v2/models/id-fp32/infer`, { method: 'POST', headers: { 'content-type': 'application/octet-stream', ...headers }, body });
      expect(r.status, what).toBe(400);
      expect(((await r.json()) as { error: string }).error.length, what).toBeGreaterThan(10);
    }
    const fine = await post(`${s.url}/v2/models/id-fp32/infer`, { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [3] }] });
    expect(fine.status).toBe(200);
  });

  it('answers 413 for a body over the limit', async () => {
    const big = Buffer.alloc(65 * 1024 * 1024 + 10, 0x20);
    const r = await fetch(`${s.url}/v2/models/id-fp32/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(r.status).toBe(413);
  });

  it('serves repeated inputs from the response cache when it is on, counting hits and misses', async () => {
    await settings(s, 'id-fp32', { responseCache: true });
    const body = { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [7, 8] }] };
    const first = await json<{ outputs: { data: number[] }[] }>(post(`${s.url}/v2/models/id-fp32/infer`, body));
    const second = await json<{ outputs: { data: number[] }[] }>(post(`${s.url}/v2/models/id-fp32/infer`, body));
    await post(`${s.url}/v2/models/id-fp32/infer`, { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [7, 9] }] });
    expect(second.body.outputs[0].data).toEqual(first.body.outputs[0].data);
    const st = await json<{ model_stats: { inference_stats: { cache_hit: { count: number }; cache_miss: { count: number } } }[] }>(fetch(`${s.url}/v2/models/id-fp32/versions/1/stats`));
    expect(st.body.model_stats[0].inference_stats.cache_hit.count).toBe(1);
    expect(st.body.model_stats[0].inference_stats.cache_miss.count).toBe(2);
  });

  it('answers 503 with Retry-After at once when the queue is full, and times out requests that waited too long', async () => {
    await settings(s, 'slow', { maxQueueSize: 2, dynamicBatching: false });
    const x = { inputs: [{ name: 'x', shape: [64, 256], datatype: 'FP32', data: new Array(64 * 256).fill(0.01) }] };
    const burst = await Promise.all(Array.from({ length: 8 }, () => fetch(`${s.url}/v2/models/slow/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(x),
    })));
    const codes = burst.map((r) => r.status);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(2);
    const full = burst.filter((r) => r.status === 503);
    expect(full.length).toBeGreaterThan(0);
    expect(full[0].headers.get('retry-after')).toBe('1');
    expect(((await full[0].json()) as { error: string }).error).toMatch(/queue .* is full/);

    await settings(s, 'slow', { maxQueueSize: 100 });
    const slowOnes = Array.from({ length: 3 }, () => post(`${s.url}/v2/models/slow/infer`, x));
    const impatient = await json<{ error: string }>(post(`${s.url}/v2/models/slow/infer`, { ...x, parameters: { timeout: 1000 } }));
    expect(impatient.status).toBe(503);
    expect(impatient.body.error).toMatch(/timeout of 1000 µs/);
    expect((await Promise.all(slowOnes)).map((r) => r.status)).toEqual([200, 200, 200]);
  });
});
