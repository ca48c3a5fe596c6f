import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, model, register, setAlias, startFollower } from './helpers.js';

const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const GUARD = { errorRate: 0.25, minRequests: 2, windowSeconds: 3600 };

interface GuardAnswer { guard: Record<string, number> | null; watch: unknown }
const guardOf = async (s: TestServer, name: string) => (await json<GuardAnswer>(s.admin(`/admin/v1/models/${name}/rollout-guard`))).body;

/**
 * A model the follower removes because its leader no longer has it takes its rollout guard with it,
 * as a delete through the admin API does: the guard would otherwise arm itself for the next model
 * of that name (here once the follower is made a leader itself).
 */
describe('a model removed by a follower\'s sync', () => {
  const servers: TestServer[] = [];
  let dataDir: string | undefined;
  afterEach(async () => {
    for (const s of servers.splice(0).reverse()) await s.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
  });

  it('loses its rollout guard, so a new model of the same name is not guarded', async () => {
    // A data directory that served on its own, with a guarded model "g", is made a follower of a leader without "g".
    const standalone = await startTestServer({ demoModels: false });
    dataDir = standalone.dataDir;
    await register(standalone, 'g', weights(1));
    expect((await standalone.admin('/admin/v1/models/g/rollout-guard', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(GUARD),
    })).status).toBe(200);
    await standalone.close();

    const leader = await startTestServer({ demoModels: false });
    servers.push(leader);
    await register(leader, 'kept', weights(2));
    const follower = await startFollower(leader, {}, dataDir);
    servers.push(follower);
    await caughtUp(follower);
    expect((await model(follower, 'g')).status).toBe(404);
    await follower.close();
    servers.pop();

    // The follower becomes a leader; a new "g" is uploaded and promoted: no guard watches it.
    const promoted = await startTestServer({ demoModels: false }, dataDir);
    servers.push(promoted);
    await register(promoted, 'g', weights(3));
    await register(promoted, 'g', weights(4));
    expect((await setAlias(promoted, 'g', 'production', 1)).status).toBe(200);
    const moved = await json<{ guard: unknown }>(setAlias(promoted, 'g', 'production', 2));
    expect(moved.status).toBe(200);
    expect(moved.body.guard).toBeNull();
    expect(await guardOf(promoted, 'g')).toEqual({ model: 'g', guard: null, watch: null });
  });
});
