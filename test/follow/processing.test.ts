import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../server/serve.js';
import { json, post, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, register, startFollower } from './helpers.js';

const DEMO = path.join(PROJECT_ROOT, 'resources', 'models');
const virginica = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3.0, 5.1, 1.8] }] };
const classify = JSON.stringify({ output: { kind: 'classify' } });
const fromAsset = JSON.stringify({ output: { kind: 'classify', labels: { asset: 'labels' } } });

interface Answer { model_version: string; outputs: { name: string; datatype: string; data: unknown[] }[] }
const answer = async (s: TestServer, model: string) => json<Answer>(post(`${s.url}/v2/models/${model}/infer`, virginica));

describe('a follower mirrors each version\'s processing and assets', () => {
  let leader: TestServer;
  let follower: TestServer;
  beforeAll(async () => {
    // The demo iris model, versions 1 and 2, carries metadata.classes.
    leader = await startTestServer();
    const q = new URLSearchParams({ processing: fromAsset, metadata: JSON.stringify({ classes: ['setosa', 'versicolor', 'virginica'] }) });
    await register(leader, 'flowers', await readFile(path.join(DEMO, 'demo-v2.onnx')), `?${q}`);
    follower = await startFollower(leader);
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
  });

  it('a spec set on the leader after the version was mirrored: the follower answers the same label', async () => {
    expect((await answer(follower, 'iris')).body.outputs.map((o) => o.name)).toEqual(['probabilities', 'label']);
    const set = await leader.admin('/admin/v1/models/iris/versions/2/processing', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: classify,
    });
    expect(set.status).toBe(200);
    await caughtUp(follower);
    const theirs = await answer(leader, 'iris');
    const mine = await answer(follower, 'iris');
    expect(theirs.status).toBe(200);
    expect(theirs.body.outputs.find((o) => o.name === 'label')?.data).toEqual(['virginica']);
    expect(mine).toEqual(theirs);
    const meta = await json<{ outputs: { name: string }[] }>(fetch(`${follower.url}/v2/models/iris`));
    expect(meta.body.outputs.map((o) => o.name)).toEqual(['label', 'score']);
  });

  it('an asset attached on the leader later is copied, with its bytes: until then both wait for it', async () => {
    expect((await answer(leader, 'flowers')).status).toBe(503);
    const waiting = await json<{ error: string }>(post(`${follower.url}/v2/models/flowers/infer`, virginica));
    expect(waiting.status).toBe(503);
    expect(waiting.body.error).toContain('"labels"');

    const labels = Buffer.from('Iris setosa\nIris versicolor\nIris virginica\n');
    const put = await leader.admin('/admin/v1/models/flowers/versions/1/assets/labels', {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: labels,
    });
    expect(put.status).toBe(201);
    await caughtUp(follower);
    const theirs = await answer(leader, 'flowers');
    expect(theirs.body.outputs.find((o) => o.name === 'label')?.data).toEqual(['Iris virginica']);
    expect(await answer(follower, 'flowers')).toEqual(theirs);
    const assets = async (s: TestServer) => (await json<{ assets: { key: string; sha256: string; size: number }[] }>(
      s.admin('/admin/v1/models/flowers/versions/1/assets'))).body.assets.map(({ key, sha256, size }) => ({ key, sha256, size }));
    expect(await assets(follower)).toEqual(await assets(leader));
    expect(await assets(follower)).toHaveLength(1);
  });

  it('refuses an asset whose bytes are not the ones the leader lists', async () => {
    const q = new URLSearchParams({ processing: fromAsset });
    await register(leader, 'tampered', await readFile(path.join(DEMO, 'demo-v1.onnx')), `?${q}`);
    const put = await leader.admin('/admin/v1/models/tampered/versions/1/assets/labels', {
      method: 'PUT', headers: { 'content-type': 'application/octet-stream' }, body: Buffer.from('a\nb\nc\n'),
    });
    expect(put.status).toBe(201);
    // The leader's stored bytes change under the hash it lists (a damaged disk, or a hostile leader), same length.
    leader.services.db.prepare("UPDATE version_assets SET content = ? WHERE key = 'labels' AND version = 1 AND model_id = (SELECT id FROM models WHERE name = 'tampered')")
      .run(Buffer.from('x\ny\nz\n'));
    const state = await caughtUp(follower);
    expect(state.lastError).toMatch(/the asset "labels" of "tampered" version 1 from the leader has 6 bytes with sha256 [0-9a-f]{64}; expected 6 bytes/);
    const assets = await json<{ assets: unknown[]; missing: string[] }>(follower.admin('/admin/v1/models/tampered/versions/1/assets'));
    expect(assets.body).toEqual({ assets: [], missing: ['labels'] });
    expect((await answer(follower, 'tampered')).status).toBe(503);
  });
});
