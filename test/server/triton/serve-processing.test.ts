import { chmod, cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../server/base/config.js';
import { startServer } from '../../../server/serve.js';
import { cli } from '../../helpers/cli.js';
import { json, post, startTestServer } from '../../helpers/server.js';

const virginica = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3.0, 5.1, 1.8] }] };
interface Answer { outputs: { name: string; data: unknown[] }[] }

const start = (dataDir: string, dir: string) =>
  startServer(resolveConfig({ port: 0, dataDir, logLevel: 'silent', workers: 1 }, {}), { logger: false, repository: { dir } });

async function readOnly(dir: string): Promise<void> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory()) await readOnly(path.join(dir, e.name));
    else await chmod(path.join(dir, e.name), 0o444);
  }
  await chmod(dir, 0o555);
}

async function writable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const e of await readdir(dir, { withFileTypes: true })) if (e.isDirectory()) await writable(path.join(dir, e.name));
}

describe('hearth serve --model-repository takes each version\'s processing from hearth.json', () => {
  let tmp: string;
  let repo: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'hearth-repo-processing-'));
    repo = path.join(tmp, 'exported');
    // The demo iris model: version 1 labelled from its metadata.classes, version 2 from an asset.
    const source = await startTestServer();
    try {
      const set = (v: number, spec: unknown) => source.admin(`/admin/v1/models/iris/versions/${v}/processing`, {
        method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(spec),
      });
      expect((await set(1, { output: { kind: 'classify' } })).status).toBe(200);
      expect((await set(2, { output: { kind: 'classify', labels: { asset: 'labels' } } })).status).toBe(200);
      const put = await source.admin('/admin/v1/models/iris/versions/2/assets/labels', {
        method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: 'Iris setosa\nIris versicolor\nIris virginica\n',
      });
      expect(put.status).toBe(201);
      expect((await cli(['export', 'triton', repo, '--url', source.url, '--token', source.token])).code).toBe(0);
    } finally {
      await source.stop();
    }
  });
  afterAll(async () => {
    await writable(tmp);
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves labels, from the metadata and from the asset, and again on the same data dir', async () => {
    const served = path.join(tmp, 'served');
    await cp(repo, served, { recursive: true });
    await readOnly(served);
    const dataDir = path.join(tmp, 'data');
    for (let run = 0; run < 2; run++) {
      const s = await start(dataDir, served);
      try {
        const label = async (version: number) => {
          const r = await json<Answer>(post(`${s.url}/v2/models/iris/versions/${version}/infer`, virginica));
          expect(r.status).toBe(200);
          return r.body.outputs.find((o) => o.name === 'label')?.data;
        };
        expect(await label(1)).toEqual(['versicolor']);
        expect(await label(2)).toEqual(['Iris virginica']);
        const meta = await json<{ outputs: { name: string }[] }>(fetch(`${s.url}/v2/models/iris`));
        expect(meta.body.outputs.map((o) => o.name)).toEqual(['label', 'score']);
      } finally {
        await s.close();
      }
    }
  });

  it('adds the processing to versions an earlier start registered without it', async () => {
    const plain = path.join(tmp, 'plain');
    await cp(repo, plain, { recursive: true });
    const sidecar = path.join(plain, 'iris', 'hearth.json');
    const parsed = JSON.parse(await readFile(sidecar, 'utf8')) as { versions: Record<string, unknown>[] };
    for (const v of parsed.versions) { delete v.processing; delete v.assets; }
    await writeFile(sidecar, JSON.stringify(parsed));
    const dataDir = path.join(tmp, 'data-upgraded');
    for (const [dir, names] of [[plain, ['probabilities', 'label']], [repo, ['label', 'score']]] as const) {
      const s = await start(dataDir, dir);
      try {
        const r = await json<Answer>(post(`${s.url}/v2/models/iris/versions/2/infer`, virginica));
        expect(r.body.outputs.map((o) => o.name)).toEqual(names);
      } finally {
        await s.close();
      }
    }
  });

  it('refuses to start on an asset that is not the one hearth.json records', async () => {
    const bad = path.join(tmp, 'tampered');
    await cp(repo, bad, { recursive: true });
    await writeFile(path.join(bad, 'iris', '2', 'assets', 'labels'), 'a\nb\nc\n');
    await expect(start(path.join(tmp, 'data-bad'), bad))
      .rejects.toThrow(/iris: version 2's asset "labels" does not match the SHA-256 its hearth\.json records/);
    await rm(path.join(bad, 'iris', '2', 'assets', 'labels'));
    await expect(start(path.join(tmp, 'data-bad2'), bad)).rejects.toThrow(/iris: version 2's asset "labels" is missing \(2\/assets\/labels\)/);
  });
});
