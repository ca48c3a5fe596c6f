import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { json, startTestServer, type TestServer } from '../helpers/server.js';
import { caughtUp, createKey, followState, model, register, registryOf, startFollower } from './helpers.js';

const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const body = JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: [0.5, -1, 2, 0.25] }] });

/** A request to `s` with `key` as the bearer, as a client holding that key would send it. */
const as = (s: TestServer, key: string, method: string, pathname: string, payload?: string) =>
  fetch(`${s.url}${pathname}`, {
    method, body: payload,
    headers: { authorization: `Bearer ${key}`, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
  });

describe('a follower holds a read-only follow key, not the leader\'s admin token', () => {
  let leader: TestServer;
  let follower: TestServer;
  let follow: { id: string; key: string };
  beforeAll(async () => {
    leader = await startTestServer({ demoModels: false });
    await register(leader, 'm', weights(1));
    follow = await createKey(leader, 'follower', ['follow']);
    follower = await startFollower(leader, { followKey: follow.key });
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
  });

  it('mirrors the registry and the API keys with nothing but a follow key', async () => {
    expect(await registryOf(follower)).toEqual(await registryOf(leader));
    expect((await followState(follower)).lastError).toBeNull();
  });

  it('the follow key cannot change the leader, read what mirroring does not need, or infer', async () => {
    const before = await registryOf(leader);
    const writes: [string, string, string?][] = [
      ['POST', '/admin/v1/keys', JSON.stringify({ name: 'stolen', scopes: ['infer'] })],
      ['PUT', '/admin/v1/models/m/aliases/production', JSON.stringify({ version: 1 })],
      ['DELETE', '/admin/v1/models/m'],
      ['DELETE', `/admin/v1/keys/${follow.id}`],
      ['PUT', '/admin/v1/network', JSON.stringify({ exposure: 'all' })],
      ['POST', '/v2/repository/models/m/unload'],
    ];
    for (const [method, pathname, payload] of writes) {
      const r = await as(leader, follow.key, method, pathname, payload);
      expect([401, 403], `${method} ${pathname}`).toContain(r.status);
    }
    for (const pathname of ['/admin/v1/usage', '/admin/v1/audit/export', '/admin/v1/system', '/admin/v1/keys', '/admin/v1/network']) {
      expect([401, 403], `GET ${pathname}`).toContain((await as(leader, follow.key, 'GET', pathname)).status);
    }
    // Inference is a scope of its own: a follow key gets 403 on an instance that requires keys.
    const strict = await startTestServer({ demoModels: false, requireApiKey: true });
    try {
      await register(strict, 'm', weights(1));
      const k = await createKey(strict, 'f', ['follow']);
      expect((await as(strict, k.key, 'POST', '/v2/models/m/infer', body)).status).toBe(403);
      const both = await createKey(strict, 'f+i', ['follow', 'infer']);
      expect((await as(strict, both.key, 'POST', '/v2/models/m/infer', body)).status).toBe(200);
    } finally {
      await strict.stop();
    }
    expect(await registryOf(leader)).toEqual(before);
    expect((await json(leader.admin('/admin/v1/keys'))).body).toMatchObject({ keys: expect.arrayContaining([expect.objectContaining({ id: follow.id, revokedAt: null })]) as unknown });
  });

  it('refuses the leader\'s admin token as the follow credential', async () => {
    await expect(startFollower(leader, { followKey: leader.token })).rejects.toThrow(/--follow-key.*follow scope|follow scope.*--follow-key/s);
  });

  it('stops mirroring once the leader revokes the follow key', async () => {
    expect((await leader.admin(`/admin/v1/keys/${follow.id}`, { method: 'DELETE' })).status).toBe(200);
    await register(leader, 'after-revoke', weights(2));
    const state = await caughtUp(follower);
    expect(state.lastError).toMatch(/answered 401/);
    expect((await model(follower, 'after-revoke')).status).toBe(404);
    // What it already had, it keeps serving.
    expect((await model(follower, 'm')).status).toBe(200);
  });
});
