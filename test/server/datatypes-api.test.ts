import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { identityModel } from '../../scripts/onnx-builder.js';
import type { Datatype } from '../../server/protocol/tensor.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

const SAMPLES: [Datatype, unknown[]][] = [
  ['BOOL', [true, false, true, true]],
  ['UINT8', [0, 1, 200, 255]],
  ['INT8', [-128, -1, 0, 127]],
  ['UINT16', [0, 1, 40000, 65535]],
  ['INT16', [-32768, -2, 3, 32767]],
  ['UINT32', [0, 7, 3000000000, 4294967295]],
  ['INT32', [-2147483648, -5, 6, 2147483647]],
  ['UINT64', [0, 1, 9007199254740991, 12]],
  ['INT64', [-9007199254740991, -1, 0, 9007199254740991]],
  ['FP16', [0, 1.5, -2, 65504]],
  ['FP32', [0.5, -1.25, 3.0e10, 1e-7]],
  ['FP64', [0.1, -1e300, 3.141592653589793, 5e-324]],
  ['BYTES', ['alpha', '', 'ünïcødé', 'z']],
];

describe('every datatype onnxruntime-node maps round-trips through the JSON protocol', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
    for (const [dt] of SAMPLES) {
      const r = await upload(s, `id-${dt.toLowerCase()}`, identityModel(dt));
      if (r.status !== 201) throw new Error(`${dt}: ${r.status} ${await r.text()}`);
    }
  });
  afterAll(async () => { await s.stop(); });

  for (const [dt, data] of SAMPLES) {
    it(dt, async () => {
      const r = await json<{ outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[]; error?: string }>(
        post(`${s.url}/v2/models/id-${dt.toLowerCase()}/infer`, { inputs: [{ name: 'x', shape: [2, 2], datatype: dt, data }] }));
      expect(r.status, r.body.error).toBe(200);
      expect(r.body.outputs[0]).toMatchObject({ name: 'y', datatype: dt, shape: [2, 2] });
      if (dt === 'FP32') {
        // Each value comes back as the float32 nearest to what was sent.
        expect(r.body.outputs[0].data).toEqual((data as number[]).map(Math.fround));
      } else {
        expect(r.body.outputs[0].data).toEqual(data);
      }
    });
  }

  it('refuses to register a BF16 model, which onnxruntime-node cannot run', async () => {
    const { identityModel: build } = await import('../../scripts/onnx-builder.js');
    const r = await json<{ error: string }>(upload(s, 'id-bf16', build('BF16')));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/data type|BF16|16/i);
  });

  it('refuses values out of range for their integer type', async () => {
    const r = await json<{ error: string }>(post(`${s.url}/v2/models/id-uint8/infer`, { inputs: [{ name: 'x', shape: [1, 1], datatype: 'UINT8', data: [300] }] }));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/"x"|x/);
  });
});
