import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gatherModel, slowModel } from '../../scripts/onnx-builder.js';
import { json, startTestServer, upload, type TestServer } from '../helpers/server.js';
import {
  gatherInput, infer, loadLoop, moreTraffic, promote, slowInput, waitForExecutions, type InferAnswer,
} from './helpers.js';

const blobPath = (s: TestServer, sha: string) => path.join(s.dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha);

describe('model updates under load', () => {
  let s: TestServer | undefined;
  afterEach(async () => { await s?.stop(); s = undefined; });

  it('promotes, rolls back, loads and unloads while requests flow, and not one request fails', async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    const server = s;
    // Version k's table holds i * k, so an answer shows which version computed it.
    const shas: string[] = [];
    for (const k of [1, 2, 3, 4]) {
      const r = await json<{ sha256: string }>(upload(server, 'lookup', gatherModel({ tableSize: 4, scale: k })));
      expect(r.status).toBe(201);
      shas.push(r.body.sha256);
    }
    expect((await promote(server, 'lookup', 1)).status).toBe(200);

    const mismatches: string[] = [];
    const load = loadLoop(async (): Promise<InferAnswer> => {
      const a = await infer(server.url, 'lookup', gatherInput([1, 2]));
      const k = Number(a.body.model_version);
      const data = a.body.outputs?.[0].data;
      if (a.status === 200 && (data?.[0] !== k || data?.[1] !== 2 * k)) mismatches.push(`v${k} answered ${JSON.stringify(data)}`);
      return a;
    });
    const admin = async (method: string, p: string, body?: unknown) => (await json(server.admin(p, {
      method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    })));

    await moreTraffic(load);
    expect((await promote(server, 'lookup', 2)).status).toBe(200);
    await moreTraffic(load);
    expect((await admin('POST', '/admin/v1/models/lookup/versions/3/load')).status).toBe(200);
    await moreTraffic(load);
    expect((await promote(server, 'lookup', 3)).status).toBe(200);
    await moreTraffic(load);
    expect((await admin('POST', '/admin/v1/models/lookup/rollback')).body).toMatchObject({ version: 2, previous: 3 });
    await moreTraffic(load);
    expect((await admin('POST', '/admin/v1/models/lookup/versions/1/unload')).status).toBe(200);
    expect((await admin('POST', '/admin/v1/models/lookup/versions/3/unload')).status).toBe(200);
    await moreTraffic(load);
    // A cold version: loaded and warmed while v2 serves, then traffic moves.
    expect((await promote(server, 'lookup', 3)).status).toBe(200);
    await moreTraffic(load);

    // A version that cannot load (its file is gone) leaves production where it was, and says why.
    // (Version 4 was loaded when it was uploaded, as the newest with no production yet: unload it first.)
    expect((await admin('POST', '/admin/v1/models/lookup/versions/4/unload')).status).toBe(200);
    await rm(blobPath(server, shas[3]));
    const broken = await promote(server, 'lookup', 4);
    expect(broken.status).toBe(503);
    expect(String(broken.body.error)).toMatch(/version 4 could not be loaded/);
    expect((await admin('GET', '/admin/v1/models/lookup')).body).toMatchObject({ aliases: { production: 3 } });
    await moreTraffic(load);

    // The serving version cannot be unloaded from under its traffic.
    const refused = await admin('POST', '/admin/v1/models/lookup/versions/3/unload');
    expect(refused.status).toBe(409);
    expect(String(refused.body.error)).toMatch(/production/);
    expect((await admin('POST', '/v2/repository/models/lookup/unload')).status).toBe(409);
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect((await fetch(`${server.url}/v2/models/lookup/ready`)).status).toBe(200);
    await moreTraffic(load);

    expect((await admin('POST', '/admin/v1/models/lookup/rollback')).body).toMatchObject({ version: 2 });
    await moreTraffic(load);
    expect((await promote(server, 'lookup', 1)).status).toBe(200);
    await moreTraffic(load);

    const result = await load.stop();
    expect(result.failures).toEqual([]);
    expect([...result.statuses.keys()]).toEqual([200]);
    expect(mismatches).toEqual([]);
    expect([...result.versions.keys()].sort()).toEqual(['1', '2', '3']);
    expect(result.total).toBeGreaterThan(200);
  });

  it('lets a request that started on the old version finish there, and unload waits for it', async () => {
    s = await startTestServer({ demoModels: false, workers: 2 });
    const server = s;
    for (const seed of [3, 4]) expect((await upload(server, 'slow', slowModel({ seed, depth: 600 }))).status).toBe(201);
    expect((await promote(server, 'slow', 1)).status).toBe(200);

    let answered = false;
    const long = infer(server.url, 'slow', slowInput(2000)).then((a) => { answered = true; return a; });
    await waitForExecutions(server, 'slow', 1, 2);
    expect((await promote(server, 'slow', 2)).status).toBe(200);
    expect(answered).toBe(false);
    const unloaded = await server.admin('/admin/v1/models/slow/versions/1/unload', { method: 'POST' });
    expect(unloaded.status).toBe(200);
    // By the time the unload answers, the running execution (after the warm-up) has finished.
    const stats = await json<{ model_stats: { execution_count: number }[] }>(fetch(`${server.url}/v2/models/slow/versions/1/stats`));
    expect(stats.body.model_stats[0].execution_count).toBe(2);
    const answer = await long;
    expect(answer.status).toBe(200);
    expect(answer.body.model_version).toBe('1');
    expect(answer.body.outputs?.[0].data).toHaveLength(2000 * 256);
    const after = await infer(server.url, 'slow', slowInput(1));
    expect(after.body.model_version).toBe('2');
  });

  it('keeps the previous production warm through idle sweeps, so a rollback has nothing to load', async () => {
    s = await startTestServer({ demoModels: false, keepAliveSeconds: 3600 });
    const server = s;
    for (const k of [1, 2, 3]) expect((await upload(server, 'lookup', gatherModel({ tableSize: 4, scale: k }))).status).toBe(201);
    expect((await promote(server, 'lookup', 1)).status).toBe(200);
    expect((await promote(server, 'lookup', 2)).status).toBe(200);
    expect((await server.admin('/admin/v1/models/lookup/versions/3/load', { method: 'POST' })).status).toBe(200);

    // A sweep as if everything had been idle for a day: only the version that is neither goes.
    expect(await server.services.models.unloadIdle(Date.now() + 86_400_000)).toEqual(['lookup:3']);
    const states = async () => (await json<{ versions: { version: number; state: string }[] }>(server.admin('/admin/v1/models/lookup')))
      .body.versions.map((v) => `${v.version}:${v.state}`);
    expect(await states()).toEqual(['1:READY', '2:READY', '3:UNAVAILABLE']);

    const back = await json<{ version: number }>(server.admin('/admin/v1/models/lookup/rollback', { method: 'POST' }));
    expect(back.body.version).toBe(1);
    expect((await infer(server.url, 'lookup', gatherInput([3]))).body).toMatchObject({ model_version: '1', outputs: [{ data: [3] }] });
  });

  it('keeps load and unload of one version consistent when they overlap', async () => {
    s = await startTestServer({ demoModels: false, workers: 1 });
    const server = s;
    const { models } = server.services;
    expect((await upload(server, 'slow', slowModel())).status).toBe(201);
    await models.load('slow', 1);

    // Two unloads while a request runs: both wait for it, neither hangs.
    const running = infer(server.url, 'slow', slowInput(1000), { version: 1 });
    await waitForExecutions(server, 'slow', 1, 2);
    const both = await Promise.all([models.unload('slow', 1), models.unload('slow', 1)]);
    expect(both).toEqual([true, true]);
    expect((await running).status).toBe(200);
    expect(models.state('slow', 1).state).toBe('UNAVAILABLE');

    // An unload, then a load before the unload has finished: the load wins, and the version serves.
    await models.load('slow', 1);
    const busy = infer(server.url, 'slow', slowInput(1000), { version: 1 });
    await waitForExecutions(server, 'slow', 1, 4);
    const unloading = models.unload('slow', 1);
    const loading = models.load('slow', 1);
    await Promise.all([unloading, loading, busy]);
    expect(models.state('slow', 1).state).toBe('READY');
    expect(models.isReady('slow', 1)).toBe(true);
    const sessions = server.services.pool.workers.flatMap((w) => [...w.sessions]).filter((k) => k.startsWith('slow:1:'));
    expect(sessions).toHaveLength(1);
    expect((await infer(server.url, 'slow', slowInput(1), { version: 1 })).status).toBe(200);
  });
});
