import { existsSync } from 'node:fs';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, createKey, register, registryOf, startFollower } from './helpers.js';

const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const DAY = 24 * 3600 * 1000;

const confirm = (s: TestServer, hold: unknown) => json<{ error?: string }>(s.admin('/admin/v1/follow/confirm', {
  method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hold }),
}));
const keyIds = async (s: TestServer) => (await json<{ keys: { id: string }[] }>(s.admin('/admin/v1/keys'))).body.keys.map((k) => k.id).sort();

describe('a leader that suddenly lists much less does not empty its follower', () => {
  let leader: TestServer;
  let follower: TestServer;
  let blobsDir: string;
  let removedDir: string;
  beforeAll(async () => {
    leader = await startTestServer({ demoModels: false });
    for (const [i, name] of ['a', 'b', 'c'].entries()) await register(leader, name, weights(i + 1));
    for (let i = 0; i < 4; i++) await createKey(leader, `client ${i}`, ['infer']);
    follower = await startFollower(leader);
    blobsDir = path.join(follower.dataDir, 'blobs', 'sha256');
    removedDir = path.join(follower.dataDir, 'blobs', 'removed');
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
  });

  it('holds when every model goes, until the operator confirms that exact hold', async () => {
    const mirrored = await registryOf(follower);
    expect(Object.keys(mirrored).sort()).toEqual(['a', 'b', 'c']);
    // All at once, as a leader restarted on an empty data directory lists them (one by one, the
    // follower's polls in between would each see a single removal, which the threshold allows).
    for (const name of ['a', 'b', 'c']) leader.services.registry.remove(name);

    const held = await caughtUp(follower);
    expect(held.hold).toMatchObject({ reason: 'removals' });
    expect(held.hold?.removals).toEqual(expect.arrayContaining(['model a version 1', 'model b version 1', 'model c version 1']));
    expect(await registryOf(follower)).toEqual(mirrored);
    expect(existsSync(path.join(blobsDir, sha(weights(1)).slice(0, 2), sha(weights(1))))).toBe(true);
    expect(await (await fetch(`${follower.url}/metrics`)).text()).toMatch(/^hearth_follow_held\{reason="removals"\} 1$/m);

    expect((await confirm(follower, 'something-else')).status).toBe(409);
    expect((await confirm(follower, { id: held.hold?.id })).status).toBe(400);
    expect((await caughtUp(follower)).hold?.id).toBe(held.hold?.id);
    expect(await registryOf(follower)).toEqual(mirrored);

    expect((await confirm(follower, held.hold?.id)).status).toBe(200);
    const after = await caughtUp(follower);
    expect(after.hold).toBeNull();
    expect(await registryOf(follower)).toEqual({});
  });

  it('keeps removed model files for the grace period, then unlinks them', async () => {
    const files = [1, 2, 3].map((seed) => sha(weights(seed)));
    for (const f of files) {
      expect(existsSync(path.join(blobsDir, f.slice(0, 2), f))).toBe(false);
      expect(existsSync(path.join(removedDir, f))).toBe(true);
    }
    // Inside the grace period (default 7 days) they stay.
    const sixDaysAgo = new Date(Date.now() - 6 * DAY);
    for (const f of files) await utimes(path.join(removedDir, f), sixDaysAgo, sixDaysAgo);
    await caughtUp(follower);
    expect((await readdir(removedDir)).sort()).toEqual([...files].sort());
    // Past it they go.
    const eightDaysAgo = new Date(Date.now() - 8 * DAY);
    for (const f of files) await utimes(path.join(removedDir, f), eightDaysAgo, eightDaysAgo);
    await caughtUp(follower);
    expect(await readdir(removedDir)).toEqual([]);
  });

  it('holds when more API keys vanish than the threshold allows', async () => {
    const before = await keyIds(follower);
    expect(before).toHaveLength(5);
    const follow = leader.services.keys.list().find((k) => k.scopes.includes('follow'));
    // Deleted straight from the leader's database: the API only revokes, which a follower mirrors as a revocation.
    leader.services.db.prepare('DELETE FROM api_keys WHERE id != ?').run(follow?.id);
    const held = await caughtUp(follower);
    expect(held.hold).toMatchObject({ reason: 'removals' });
    expect(held.hold?.removals.filter((r) => r.startsWith('key '))).toHaveLength(4);
    expect(await keyIds(follower)).toEqual(before);
    expect((await confirm(follower, held.hold?.id)).status).toBe(200);
    await caughtUp(follower);
    expect(await keyIds(follower)).toEqual([follow?.id]);
  });
});
