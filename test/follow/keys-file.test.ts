import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { generateKey, tokenHash } from '../../server/auth/keys.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, createKey, model, register, startFollower } from './helpers.js';

describe('a follower with a keys file of its own', () => {
  let dir: string;
  let leader: TestServer;
  let follower: TestServer;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-follow-keys-'));
    const file = path.join(dir, 'keys.json');
    // More keys than one sync may remove unconfirmed: counted as removals, they would hold every sync.
    await writeFile(file, JSON.stringify([1, 2, 3, 4, 5].map((n) => ({ id: `pod-${n}`, name: `app ${n}`, sha256: tokenHash(generateKey()), scopes: ['infer'] }))));
    leader = await startTestServer({ demoModels: false });
    follower = await startFollower(leader, { keysFile: file, followMaxRemovals: 3 });
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps them and mirrors the leader: they are not the leader\'s keys to remove', async () => {
    await register(leader, 'm', mlp({ layers: [4, 6, 3], seed: 1 }));
    const app = await createKey(leader, 'app', ['infer']);
    const state = await caughtUp(follower);
    expect(state.hold).toBeNull();
    expect((await model(follower, 'm')).status).toBe(200);
    const keys = await json<{ keys: { id: string; fromFile?: boolean }[] }>(follower.admin('/admin/v1/keys'));
    expect(keys.body.keys.filter((k) => k.fromFile).map((k) => k.id)).toEqual(['pod-1', 'pod-2', 'pod-3', 'pod-4', 'pod-5']);
    expect(keys.body.keys.map((k) => k.id)).toContain(app.id);
    // Its own export (what a follower of it would read) holds only the keys stored here.
    const exported = await json<{ keys: { id: string }[] }>(follower.admin('/admin/v1/keys/export'));
    expect(exported.body.keys.some((k) => k.id.startsWith('pod-'))).toBe(false);
  });
});
