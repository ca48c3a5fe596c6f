import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../../scripts/onnx-builder.js';
import { cli } from '../../helpers/cli.js';
import { json, startTestServer, type TestServer } from '../../helpers/server.js';

async function put(root: string, file: string, body: string | Uint8Array): Promise<void> {
  await mkdir(path.dirname(path.join(root, file)), { recursive: true });
  await writeFile(path.join(root, file), body);
}

const onnxConfig = (name: string) => `
name: "${name}"
backend: "onnxruntime"
max_batch_size: 8
input [ { name: "input" data_type: TYPE_FP32 dims: [ 8 ] } ]
output [ { name: "output" data_type: TYPE_FP32 dims: [ 2 ] } ]
dynamic_batching { preferred_batch_size: [ 2, 4 ] max_queue_delay_microseconds: 250 }
instance_group [ { count: 3 kind: KIND_GPU gpus: [ 1 ] } ]
`;

describe('hearth import triton with models Hearth cannot serve', () => {
  let s: TestServer;
  let repo: string;
  let r: { code: number; out: string; err: string };
  beforeAll(async () => {
    s = await startTestServer({ demoModels: false });
    repo = await mkdtemp(path.join(os.tmpdir(), 'hearth-triton-in-'));
    const onnx = mlp({ layers: [8, 4, 2], seed: 1 });
    // A plain Triton ONNX model written by hand (no sidecar), versions 3 and 7.
    await put(repo, 'good/config.pbtxt', onnxConfig('good'));
    await put(repo, 'good/3/model.onnx', onnx);
    await put(repo, 'good/7/model.onnx', mlp({ layers: [8, 4, 2], seed: 2 }));
    await put(repo, 'plan/config.pbtxt', 'name: "plan"\nplatform: "tensorrt_plan"\nmax_batch_size: 8\n');
    await put(repo, 'plan/1/model.plan', 'not onnx');
    await put(repo, 'py/config.pbtxt', 'name: "py"\nbackend: "python"\n');
    await put(repo, 'py/1/model.py', 'print(1)');
    await put(repo, 'chain/config.pbtxt', 'name: "chain"\nplatform: "ensemble"\nensemble_scheduling { step [ { model_name: "good" model_version: -1 input_map { key: "input" value: "x" } } ] }\n');
    await mkdir(path.join(repo, 'chain', '1'), { recursive: true });
    await put(repo, 'typo/config.pbtxt', 'name: "typo"\nmax_batch_sise: 8\n');
    await put(repo, 'typo/1/model.onnx', onnx);
    // Version 2 is not a model onnxruntime can load: version 1 must not stay behind.
    await put(repo, 'half/config.pbtxt', onnxConfig('half'));
    await put(repo, 'half/1/model.onnx', onnx);
    await put(repo, 'half/2/model.onnx', 'truncated');
    r = await cli(['import', 'triton', repo, '--url', s.url, '--token', s.token]);
  });
  afterAll(async () => {
    await s.stop();
    await rm(repo, { recursive: true, force: true });
  });

  it('lists each unsupported model with its reason', () => {
    expect(r.out).toMatch(/Skipped plan: .*platform "tensorrt_plan".*TensorRT plans run only on Triton/);
    expect(r.out).toMatch(/Skipped py: .*backend "python".*Python models run only on Triton/);
    expect(r.out).toMatch(/Skipped chain: it is an ensemble/);
    expect(r.out).toMatch(/Skipped typo: its config.pbtxt does not parse: typo\/config.pbtxt: unknown field "max_batch_sise"/);
    expect(r.err).toMatch(/Not imported half \(nothing of it was kept\): 400: .*not an ONNX model/);
    expect(r.code).toBe(1);
  });

  it('registers the ONNX model with its own version numbers and its config\'s settings, and nothing else', async () => {
    const models = await json<{ models: { name: string; versions: number[] }[] }>(s.admin('/admin/v1/models'));
    expect(models.body.models.map((m) => [m.name, m.versions])).toEqual([['good', [3, 7]]]);
    const v = await json<{ settings: Record<string, unknown> }>(s.admin('/admin/v1/models/good/versions/3'));
    expect(v.body.settings).toMatchObject({
      dynamicBatching: true, maxBatchSize: 8, preferredBatchSizes: [2, 4], maxQueueDelayUs: 250, instances: 3, placement: 'cuda:1',
    });
  });

  it('refuses a folder that is not there, and changes nothing', async () => {
    const missing = await cli(['import', 'triton', path.join(repo, 'nope'), '--url', s.url, '--token', s.token]);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/is not a folder/);
  });
});
