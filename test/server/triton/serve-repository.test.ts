import { chmod, lstat, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedShapeModel, mlp } from '../../../scripts/onnx-builder.js';
import { resolveConfig } from '../../../server/base/config.js';
import { startServer, type RunningServer } from '../../../server/serve.js';
import { segfaultingLayerNorm } from '../../helpers/hostile-models.js';
import { json, post } from '../../helpers/server.js';

async function put(root: string, file: string, body: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), body);
}

/** Every path under dir with its type, size, mode and modification time: any write shows. */
async function snapshot(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const s = await lstat(d);
    out.push(`${path.relative(dir, d)} ${s.isDirectory() ? 'd' : 'f'} ${s.size} ${s.mode.toString(8)} ${s.mtimeMs}`);
    if (s.isDirectory()) for (const e of (await readdir(d)).sort()) await walk(path.join(d, e));
  };
  await walk(dir);
  return out;
}

async function readOnly(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await readOnly(path.join(dir, e.name));
    else await chmod(path.join(dir, e.name), 0o444);
  }
  await chmod(dir, 0o555);
}

const start = (dataDir: string, dir: string, modelName?: string) =>
  startServer(resolveConfig({ port: 0, dataDir, logLevel: 'silent', workers: 1 }, {}), { logger: false, repository: { dir, modelName } });

const row = { inputs: [{ name: 'input', shape: [1, 8], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] };

describe('hearth serve --model-repository', () => {
  let tmp: string;
  beforeAll(async () => { tmp = await mkdtemp(path.join(os.tmpdir(), 'hearth-repo-')); });
  afterAll(async () => {
    await chmod(tmp, 0o755);
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves a read-only Triton repository, writes nothing there, and starts again on the same data dir', async () => {
    const repo = path.join(tmp, 'triton');
    await put(repo, 'scorer/config.pbtxt', 'name: "scorer"\nplatform: "onnxruntime_onnx"\nmax_batch_size: 4\n' +
      'input [ { name: "input" data_type: TYPE_FP32 dims: [ 8 ] } ]\noutput [ { name: "output" data_type: TYPE_FP32 dims: [ 2 ] } ]\n');
    await put(repo, 'scorer/1/model.onnx', mlp({ layers: [8, 4, 2], seed: 1 }));
    await put(repo, 'scorer/5/model.onnx', mlp({ layers: [8, 4, 2], seed: 5 }));
    await put(repo, 'doubler/1/model.onnx', fixedShapeModel());
    await readOnly(repo);
    const before = await snapshot(repo);
    const dataDir = path.join(tmp, 'data-triton');
    for (let run = 0; run < 2; run++) {
      const s: RunningServer = await start(dataDir, repo);
      try {
        expect(s.services.registry.listModels().map((m) => [m.name, m.versions])).toEqual([['doubler', [1]], ['scorer', [1, 5]]]);
        expect((await fetch(`${s.url}/v2/health/ready`)).status).toBe(200);
        const meta = await json<{ versions: string[] }>(fetch(`${s.url}/v2/models/scorer`));
        expect(meta.body.versions).toEqual(['1', '5']);
        const r = await json<{ model_version: string; outputs: { shape: number[] }[] }>(post(`${s.url}/v2/models/scorer/infer`, row));
        expect(r.status).toBe(200);
        expect(r.body.model_version).toBe('5');
        expect(r.body.outputs[0].shape).toEqual([1, 2]);
        expect(s.services.registry.getVersion('scorer', 5).settings).toMatchObject({ maxBatchSize: 4, dynamicBatching: false });
      } finally {
        await s.close();
      }
    }
    expect(await snapshot(repo)).toEqual(before);
  });

  it('serves KServe\'s single-model layout under --model-name, model.onnx or the one .onnx anywhere', async () => {
    const flat = path.join(tmp, 'kserve-flat');
    await put(flat, 'model.onnx', mlp({ layers: [8, 4, 2], seed: 2 }));
    const nested = path.join(tmp, 'kserve-nested');
    await put(nested, 'export/v3/scorer.onnx', mlp({ layers: [8, 4, 2], seed: 3 }));
    await put(nested, '.storage-initializer/done', '');
    for (const repo of [flat, nested]) {
      await readOnly(repo);
      const before = await snapshot(repo);
      const s = await start(path.join(tmp, `data-${path.basename(repo)}`), repo, 'fraud-detector');
      try {
        expect(s.services.registry.listModels().map((m) => [m.name, m.versions])).toEqual([['fraud-detector', [1]]]);
        expect((await post(`${s.url}/v2/models/fraud-detector/infer`, row)).status).toBe(200);
      } finally {
        await s.close();
      }
      expect(await snapshot(repo)).toEqual(before);
    }
  });

  it('refuses to start, saying why, on a repository it cannot serve', async () => {
    const two = path.join(tmp, 'two-files');
    await put(two, 'a.onnx', mlp({ layers: [8, 4, 2], seed: 1 }));
    await put(two, 'b/b.onnx', mlp({ layers: [8, 4, 2], seed: 2 }));
    await expect(start(path.join(tmp, 'd1'), two, 'x')).rejects.toThrow(/2 \.onnx files \(a\.onnx, b\/b\.onnx\)/);
    const flat = path.join(tmp, 'kserve-flat');
    await expect(start(path.join(tmp, 'd2'), flat)).rejects.toThrow(/name it with --model-name/);
    const plan = path.join(tmp, 'plan');
    await put(plan, 'trt/config.pbtxt', 'name: "trt"\nplatform: "tensorrt_plan"\n');
    await put(plan, 'trt/1/model.plan', 'x');
    await expect(start(path.join(tmp, 'd3'), plan)).rejects.toThrow(/trt: its platform "tensorrt_plan" is not onnxruntime_onnx/);
    await expect(start(path.join(tmp, 'd4'), path.join(tmp, 'absent'), 'x')).rejects.toThrow(/is not a folder/);
  });

  it('refuses to start on a model that crashes onnxruntime, which takes down only the process that inspected it', async () => {
    const hostile = path.join(tmp, 'hostile');
    await put(hostile, 'model.onnx', segfaultingLayerNorm());
    await expect(start(path.join(tmp, 'd5'), hostile, 'ln')).rejects.toThrow(/ln version 1 .*onnxruntime crashed while loading the file \(SIGSEGV\)/);
  });
});
