import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bagOfWordsModel } from '../../../scripts/onnx-builder.js';
import { json, post, startTestServer, upload, type TestServer } from '../../helpers/server.js';

const TOKENIZER = path.join(import.meta.dirname, '..', '..', 'fixtures', 'processing', 'tokenizer.json');

// Vocabulary rows (see the fixture): "good" votes positive, "bad" negative, the rest nothing.
const TABLE = Array.from({ length: 11 }, (_, id) => (id === 4 ? [0, 3] : id === 5 ? [3, 0] : [0, 0]));

interface Answer { error?: string; outputs: { name: string; shape: number[]; data: unknown[] }[] }

describe('text in, label out: the bert preset with a tokenizer.json asset (Hugging Face tokenizers in JS)', () => {
  let s: TestServer;
  const url = () => `${s.url}/v2/models/sentiment/infer`;
  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
    const metadata = encodeURIComponent(JSON.stringify({ classes: ['negative', 'positive'] }));
    const spec = encodeURIComponent(JSON.stringify({ preset: 'bert', input: { maxLength: 8, truncation: false } }));
    expect((await upload(s, 'sentiment', bagOfWordsModel(TABLE), `?metadata=${metadata}&processing=${spec}`)).status).toBe(201);
  });
  afterAll(async () => { await s.stop(); });

  it('refuses a file that is not a tokenizer.json, and waits for a real one', async () => {
    const put = (body: Buffer | string) => s.admin('/admin/v1/models/sentiment/versions/1/assets/tokenizer', { method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body });
    const bad = await json<{ error: string }>(put('{"model": 5}'));
    expect(bad.status).toBe(400);
    expect(bad.body.error).toContain('tokenizer.json');
    expect((await fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'good' })).status).toBe(503);
    expect((await put(await readFile(TOKENIZER))).status).toBe(201);
  });

  it('answers a raw text/plain body and a JSON batch of texts of different lengths', async () => {
    const raw = await json<Answer>(fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'The movie was GOOD' }));
    expect(raw.status).toBe(200);
    expect(raw.body.outputs[0]).toMatchObject({ name: 'label', data: ['positive'] });

    // Padded to the longest; the mask keeps padding out of the sum ("bad" outvotes one "good" only when both count).
    const batch = await json<Answer>(post(url(), { inputs: [{ name: 'text', shape: [3], datatype: 'BYTES', data: ['bad', 'good good bad movie', 'bad bad good'] }] }));
    expect(batch.status).toBe(200);
    expect(batch.body.outputs[0]!.data).toEqual(['negative', 'positive', 'negative']);
  });

  it('refuses a text over the token limit with a 400 that says so, and serves the next', async () => {
    const long = await json<Answer>(fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'good '.repeat(20) }));
    expect(long.status).toBe(400);
    expect(long.body.error).toMatch(/22 tokens; the limit is 8/);
    const invalid = await json<Answer>(fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: Buffer.from([0xff, 0xfe, 0x41]) }));
    expect(invalid.status).toBe(400);
    expect((await json<Answer>(fetch(url(), { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'bad' }))).body.outputs[0]!.data).toEqual(['negative']);
  });
});
