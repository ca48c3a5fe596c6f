import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { toJson } from '@bufbuild/protobuf';
import { fromText } from '@bufbuild/protobuf/txtpb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedShapeModel, identityModel, mlp } from '../../../scripts/onnx-builder.js';
import { messageSchema } from '../../../server/triton/proto-schema.js';
import { cli } from '../../helpers/cli.js';
import { json, startTestServer, upload, type TestServer } from '../../helpers/server.js';

const FIXTURE_PROTO = path.join(import.meta.dirname, '..', '..', 'fixtures', 'triton', 'model_config.proto');

interface VersionView {
  version: number; sha256: string; size: number; description: string; tags: string[];
  metadata: Record<string, unknown>; settings: Record<string, unknown>; inputs: unknown[]; outputs: unknown[];
}
interface ModelView { name: string; aliases: Record<string, number>; versions: VersionView[] }

const ok = async (res: Promise<Response>) => {
  const r = await res;
  if (!r.ok) throw new Error(`${r.status} ${await r.text()}`);
  return r;
};
const patch = (s: TestServer, p: string, body: unknown) =>
  ok(s.admin(p, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
const put = (s: TestServer, p: string, body: unknown) =>
  ok(s.admin(p, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));

/** What must survive the trip: everything but times and the load state of this process. */
async function registryView(s: TestServer): Promise<ModelView[]> {
  const { body } = await json<{ models: { name: string }[] }>(s.admin('/admin/v1/models'));
  const out: ModelView[] = [];
  for (const { name } of body.models) {
    const m = (await json<ModelView>(s.admin(`/admin/v1/models/${name}`))).body;
    out.push({
      name, aliases: m.aliases,
      versions: m.versions.map(({ version, sha256, size, description, tags, metadata, settings, inputs, outputs }) =>
        ({ version, sha256, size, description, tags, metadata, settings, inputs, outputs })),
    });
  }
  return out;
}

describe('hearth export triton, then hearth import triton into an empty data dir', () => {
  let a: TestServer;
  let b: TestServer;
  let repo: string;
  beforeAll(async () => {
    a = await startTestServer({ demoModels: false });
    b = await startTestServer({ demoModels: false });
    repo = path.join(await mkdtemp(path.join(os.tmpdir(), 'hearth-triton-')), 'repo');
    // alpha: batched FP32, versions 1, 2 and 4 (3 removed), two aliases, batching and instances on version 2.
    for (const seed of [1, 2, 3, 4]) {
      const q = seed === 1 ? '?description=first&tags=base,fp32&metadata=%7B%22dataset%22%3A%22d1%22%7D' : '';
      await ok(upload(a, 'alpha', mlp({ layers: [8, 4, 2], seed }), q));
    }
    await ok(a.admin('/admin/v1/models/alpha/versions/3', { method: 'DELETE' }));
    await patch(a, '/admin/v1/models/alpha/versions/2/settings', {
      maxBatchSize: 16, maxQueueDelayUs: 500, preferredBatchSizes: [4, 8], maxQueueSize: 200, instances: 2,
      placement: 'cpu', intraOpThreads: 2, responseCache: true,
    });
    await patch(a, '/admin/v1/models/alpha/versions/4/settings', { dynamicBatching: false, pinned: true, circuitFailures: 9 });
    await put(a, '/admin/v1/models/alpha/aliases/production', { version: 2 });
    await put(a, '/admin/v1/models/alpha/aliases/canary', { version: 4 });
    // beta: no batch dimension.
    await ok(upload(a, 'beta', fixedShapeModel(), '?description=fixed'));
    // gamma: BYTES in production, and a version 2 whose signature differs.
    await ok(upload(a, 'gamma', identityModel('BYTES')));
    await ok(upload(a, 'gamma', identityModel('INT64')));
    await put(a, '/admin/v1/models/gamma/aliases/production', { version: 1 });
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
    await rm(path.dirname(repo), { recursive: true, force: true });
  });

  it('writes config.pbtxt, every version and the sidecar, and records the export in the audit log', async () => {
    const r = await cli(['export', 'triton', repo, '--url', a.url, '--token', a.token]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/gamma: .*\n {2}note: Version 2: its inputs or outputs differ/);
    expect((await readdir(repo)).sort()).toEqual(['alpha', 'beta', 'gamma']);
    expect((await readdir(path.join(repo, 'alpha'))).sort()).toEqual(['1', '2', '4', 'config.pbtxt', 'hearth.json']);
    const bytes = await readFile(path.join(repo, 'alpha', '4', 'model.onnx'));
    expect(Buffer.compare(bytes, Buffer.from(mlp({ layers: [8, 4, 2], seed: 4 })))).toBe(0);
    const usage = await json<{ rows: { action: string | null; detail: unknown }[] }>(a.admin('/admin/v1/usage?kind=admin'));
    expect(usage.body.rows.some((x) => x.action === 'export' && JSON.stringify(x.detail).includes('triton'))).toBe(true);
  });

  it('writes configs that parse against the field names and types of Triton\'s ModelConfig', async () => {
    const schema = messageSchema(await readFile(FIXTURE_PROTO, 'utf8'), 'inference.ModelConfig');
    const parse = async (name: string) => toJson(schema, fromText(schema, await readFile(path.join(repo, name, 'config.pbtxt'), 'utf8')),
      { useProtoFieldName: true, alwaysEmitImplicit: true });
    expect(await parse('alpha')).toMatchObject({
      name: 'alpha', platform: 'onnxruntime_onnx', max_batch_size: 16,
      input: [{ name: 'input', data_type: 'TYPE_FP32', dims: ['8'] }],
      output: [{ data_type: 'TYPE_FP32', dims: ['2'] }],
      dynamic_batching: { preferred_batch_size: [4, 8], max_queue_delay_microseconds: '500', default_queue_policy: { max_queue_size: 200 } },
      instance_group: [{ kind: 'KIND_CPU', count: 2, gpus: [] }],
      version_policy: { specific: { versions: ['1', '2', '4'] } },
      parameters: { intra_op_thread_count: { string_value: '2' } },
      response_cache: { enable: true },
    });
    const beta = await parse('beta');
    expect(beta).toMatchObject({ max_batch_size: 0, input: [{ name: 'a', data_type: 'TYPE_FP32', dims: ['2', '2'] }], instance_group: [{ kind: 'KIND_AUTO', count: 1 }] });
    expect(beta).not.toHaveProperty('dynamic_batching');
    expect(await parse('gamma')).toMatchObject({
      max_batch_size: 64, input: [{ data_type: 'TYPE_STRING', dims: ['-1'] }], version_policy: { specific: { versions: ['1'] } },
    });
  });

  it('imports into an empty registry the same models, versions, bytes, settings and aliases', async () => {
    const r = await cli(['import', 'triton', repo, '--url', b.url, '--token', b.token]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Imported alpha: versions 1, 2, 4, aliases canary=4 production=2');
    expect(await registryView(b)).toEqual(await registryView(a));
    // Importing again changes nothing and says so without failing.
    const again = await cli(['import', 'triton', repo, '--url', b.url, '--token', b.token]);
    expect(again.code).toBe(0);
    expect(await registryView(b)).toEqual(await registryView(a));
  });
});
