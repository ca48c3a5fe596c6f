import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, createKey, followState, model, register, startFollower } from './helpers.js';

const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const instanceOf = async (s: TestServer, bearer = s.token) =>
  json<{ instanceId: string }>(fetch(`${s.url}/admin/v1/instance`, { headers: { authorization: `Bearer ${bearer}` } }));

describe('a follower records its leader\'s instance id and stops mirroring when another answers', () => {
  let leader: TestServer;
  let follower: TestServer;
  let port: number;
  let key: string;
  let firstId: string;
  beforeAll(async () => {
    leader = await startTestServer({ demoModels: false }, undefined);
    port = Number(new URL(leader.url).port);
    await register(leader, 'm', weights(1));
    key = (await createKey(leader)).key;
    follower = await startFollower(leader, { followKey: key });
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
  });

  it('the leader has a random instance id of its own, readable with a follow key, kept across restarts', async () => {
    const mine = await instanceOf(leader);
    expect(mine.status).toBe(200);
    expect(mine.body.instanceId).toMatch(/^[0-9a-f]{32}$/);
    expect((await instanceOf(leader, key)).body).toEqual(mine.body);
    expect((await fetch(`${leader.url}/admin/v1/instance`)).status).toBe(401);
    firstId = mine.body.instanceId;
    expect((await followState(follower)).leaderInstanceId).toBe(firstId);

    const other = await startTestServer({ demoModels: false });
    try {
      expect((await instanceOf(other)).body.instanceId).not.toBe(firstId);
    } finally {
      await other.stop();
    }

    const dataDir = leader.dataDir;
    await leader.close();
    leader = await startTestServer({ demoModels: false, port }, dataDir);
    expect((await instanceOf(leader)).body.instanceId).toBe(firstId);
    const state = await caughtUp(follower);
    expect(state.lastError).toBeNull();
    expect(state.hold).toBeNull();
  });

  it('another server answering at the leader\'s address (with the key accepted) is not mirrored until the operator confirms', async () => {
    const keys = leader.services.keys.exportHashed();
    // The restarted leader kept the first one's data directory, so its stop() would not remove it.
    const kept = leader.dataDir;
    await leader.close();
    await rm(kept, { recursive: true, force: true });
    // A different data directory behind the same address: a restore gone wrong, or someone posing as the leader.
    leader = await startTestServer({ demoModels: false, port });
    leader.services.keys.mirror(keys);
    await register(leader, 'evil', weights(66));
    const newId = (await instanceOf(leader)).body.instanceId;

    const state = await caughtUp(follower);
    expect(state.hold).toMatchObject({ reason: 'leader-changed' });
    expect(state.hold?.message).toContain(firstId);
    expect(state.hold?.message).toContain(newId);
    expect(state.leaderInstanceId).toBe(firstId);
    expect((await model(follower, 'evil')).status).toBe(404);
    expect((await model(follower, 'm')).status).toBe(200);
    const metrics = await (await fetch(`${follower.url}/metrics`)).text();
    expect(metrics).toMatch(/^hearth_follow_held\{reason="leader-changed"\} 1$/m);

    // A confirmation must name the hold it confirms.
    const wrong = await json<{ error: string }>(follower.admin('/admin/v1/follow/confirm', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hold: 'not-this-one' }),
    }));
    expect(wrong.status).toBe(409);
    expect(wrong.body.error).toMatch(/hold/);
    expect((await caughtUp(follower)).hold?.reason).toBe('leader-changed');

    const ok = await follower.admin('/admin/v1/follow/confirm', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ hold: state.hold?.id }),
    });
    expect(ok.status).toBe(200);
    const after = await caughtUp(follower);
    expect(after.hold).toBeNull();
    expect(after.leaderInstanceId).toBe(newId);
    expect((await model(follower, 'evil')).status).toBe(200);
    const clear = await (await fetch(`${follower.url}/metrics`)).text();
    expect(clear).not.toMatch(/^hearth_follow_held\{[^}]*\} 1$/m);
  });
});
