import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlp } from '../../scripts/onnx-builder.js';
import { rm } from 'node:fs/promises';
import { generateKey } from '../../server/auth/keys.js';
import { json, startTestServer, upload, type TestServer } from '../helpers/server.js';
import { caughtUp, createKey, followState, infer, model, register, registryOf, setAlias, startFollower } from './helpers.js';

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const weights = (seed: number) => mlp({ layers: [4, 6, 3], seed });
const x = [0.5, -1, 2, 0.25];

describe('a follower mirrors its leader\'s registry', () => {
  let leader: TestServer;
  let follower: TestServer;
  beforeAll(async () => {
    leader = await startTestServer({ demoModels: false });
    // Registered before the follower starts: the first sync runs before it takes traffic.
    await register(leader, 'm', weights(1), '?description=first&tags=a,b&metadata=%7B%22dataset%22%3A%22d1%22%7D');
    follower = await startFollower(leader);
  });
  afterAll(async () => {
    await follower?.stop();
    await leader?.stop();
  });

  it('has the leader\'s versions from the moment it listens, and serves the same outputs', async () => {
    expect(await registryOf(follower)).toEqual(await registryOf(leader));
    expect((await model(follower, 'm')).body.versions[0]).toMatchObject({ version: 1, sha256: sha(weights(1)), description: 'first', tags: ['a', 'b'], metadata: { dataset: 'd1' } });
    const a = await infer(leader, 'm', x);
    const b = await infer(follower, 'm', x);
    expect(b).toEqual(a);
    expect(a.logits).toHaveLength(3);
  });

  it('mirrors register, promote and rollback; the new production version is warm before the alias moves', async () => {
    expect((await setAlias(leader, 'm', 'production', 1)).status).toBe(200);
    const v2 = await register(leader, 'm', weights(2));
    expect((await setAlias(leader, 'm', 'production', v2)).status).toBe(200);
    expect((await setAlias(leader, 'm', 'canary', 1)).status).toBe(200);
    await caughtUp(follower);
    expect(await registryOf(follower)).toEqual(await registryOf(leader));
    const f = (await model(follower, 'm')).body;
    expect(f.aliases).toEqual({ production: 2, canary: 1 });
    const served = await infer(follower, 'm', x);
    expect(served.version).toBe('2');
    expect(served.logits).toEqual((await infer(leader, 'm', x)).logits);
    expect((await infer(follower, 'm', x, 1)).logits).not.toEqual(served.logits);
    // Warmed before the switch: the follower's production version is READY without having served a request first.
    const listing = await json<{ models: { name: string; loaded: number[] }[] }>(follower.admin('/admin/v1/models'));
    expect(listing.body.models.find((m) => m.name === 'm')?.loaded).toContain(2);

    expect((await leader.admin('/admin/v1/models/m/rollback', { method: 'POST' })).status).toBe(200);
    await caughtUp(follower);
    const after = (await model(follower, 'm')).body;
    expect(after.aliases.production).toBe(1);
    expect(after.aliasHistory.filter((h) => h.alias === 'production').at(-1)).toMatchObject({ version: 1, action: 'rollback' });
    expect((await infer(follower, 'm', x)).version).toBe('1');
  });

  it('mirrors settings, removed aliases and removed models', async () => {
    const patch = await leader.admin('/admin/v1/models/m/versions/2/settings', {
      method: 'PATCH', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxBatchSize: 7, responseCache: true }),
    });
    expect(patch.status).toBe(200);
    expect((await leader.admin('/admin/v1/models/m/aliases/canary', { method: 'DELETE' })).status).toBe(200);
    await register(leader, 'gone', weights(9));
    await caughtUp(follower);
    expect((await model(follower, 'm')).body.versions[1].settings).toMatchObject({ maxBatchSize: 7, responseCache: true });
    expect((await model(follower, 'm')).body.aliases).toEqual({ production: 1 });
    expect((await model(follower, 'gone')).status).toBe(200);

    expect((await leader.admin('/admin/v1/models/gone', { method: 'DELETE' })).status).toBe(200);
    await caughtUp(follower);
    expect((await model(follower, 'gone')).status).toBe(404);
    expect(await registryOf(follower)).toEqual(await registryOf(leader));
  });

  it('keeps the leader\'s numbers when versions were removed, and replaces a number the leader reused', async () => {
    await register(leader, 'gaps', weights(11)); // 1
    await register(leader, 'gaps', weights(12)); // 2
    await register(leader, 'gaps', weights(13)); // 3
    await caughtUp(follower);
    expect((await leader.admin('/admin/v1/models/gaps/versions/2', { method: 'DELETE' })).status).toBe(200);
    expect((await leader.admin('/admin/v1/models/gaps/versions/3', { method: 'DELETE' })).status).toBe(200);
    // The leader hands out 2 again, to different bytes than the follower holds as 2.
    expect(await register(leader, 'gaps', weights(14))).toBe(2);
    expect(await register(leader, 'gaps', weights(15))).toBe(3);
    expect((await leader.admin('/admin/v1/models/gaps/versions/2', { method: 'DELETE' })).status).toBe(200);
    await caughtUp(follower);
    const f = (await model(follower, 'gaps')).body;
    expect(f.versions.map((v) => [v.version, v.sha256])).toEqual([[1, sha(weights(11))], [3, sha(weights(15))]]);
    expect((await infer(follower, 'gaps', x, 3)).logits).toEqual((await infer(leader, 'gaps', x, 3)).logits);

    // A follower that starts from nothing gets 1 and 3 as well, not 1 and 2.
    const fresh = await startFollower(leader);
    try {
      expect(await registryOf(fresh)).toEqual(await registryOf(leader));
    } finally {
      await fresh.stop();
    }
  });

  it('refuses registry writes with 409 naming the leader, after authentication, and changes nothing', async () => {
    const before = await registryOf(follower);
    const writes: [string, string, RequestInit][] = [
      ['POST', '/admin/v1/models/m/versions', { headers: { 'content-type': 'application/octet-stream' }, body: weights(20) }],
      ['PUT', '/admin/v1/models/m/aliases/production', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 2 }) }],
      ['POST', '/admin/v1/models/m/rollback', {}],
      ['PATCH', '/admin/v1/models/m/versions/1/settings', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ maxBatchSize: 3 }) }],
      ['DELETE', '/admin/v1/models/m/versions/2', {}],
      ['DELETE', '/admin/v1/models/m', {}],
    ];
    for (const [method, path, init] of writes) {
      const r = await json<{ error: string }>(follower.admin(path, { method, ...init }));
      expect(r.status, `${method} ${path}`).toBe(409);
      expect(r.body.error).toBe(`This server follows ${leader.url}; change the leader, and this server mirrors it within seconds.`);
    }
    const anonymous = await fetch(`${follower.url}/admin/v1/models/m/rollback`, { method: 'POST' });
    expect(anonymous.status).toBe(401);
    // Loading is this process's memory, not the registry: allowed.
    expect((await follower.admin('/admin/v1/models/m/versions/2/load', { method: 'POST' })).status).toBe(200);
    expect(await registryOf(follower)).toEqual(before);
  });

  it('mirrors API keys as hashes, so a client\'s key works on either instance until it is revoked on the leader', async () => {
    const created = await json<{ id: string; key: string }>(leader.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'scanner', scopes: ['infer'] }),
    }));
    await caughtUp(follower);
    const call = (s: TestServer, key: string) => fetch(`${s.url}/v2/models/m/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 4], datatype: 'FP32', data: x }] }),
    });
    expect((await call(follower, created.body.key)).status).toBe(200);
    const onFollower = await json<{ keys: { id: string; name: string }[] }>(follower.admin('/admin/v1/keys'));
    expect(onFollower.body.keys.map((k) => k.id)).toContain(created.body.id);
    expect(JSON.stringify(onFollower.body)).not.toContain(created.body.key);
    // Keys are the leader's to change.
    const local = await follower.admin('/admin/v1/keys', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'local' }) });
    expect(local.status).toBe(409);
    expect((await leader.admin(`/admin/v1/keys/${created.body.id}`, { method: 'DELETE' })).status).toBe(200);
    await caughtUp(follower);
    expect((await call(follower, created.body.key)).status).toBe(401);
  });

  it('keeps its own usage log', async () => {
    const marker = 'gaps';
    await infer(follower, marker, x, 1);
    type Page = { rows: { kind: string; model: string | null; action: string | null; actor: string | null; version: number | null }[] };
    const mine = await json<Page>(follower.admin(`/admin/v1/usage?model=${marker}&kind=all&limit=1000`));
    const theirs = await json<Page>(leader.admin(`/admin/v1/usage?model=${marker}&kind=all&limit=1000`));
    const inferences = (p: Page) => p.rows.filter((r) => r.kind === 'inference').length;
    expect(inferences(mine.body) - inferences(theirs.body)).toBeGreaterThanOrEqual(1);
    // The mirrored registrations are in the follower's audit trail, by the follower.
    const registered = mine.body.rows.filter((r) => r.kind === 'admin' && r.action === 'register').map((r) => [r.version, r.actor]);
    expect(registered).toEqual(expect.arrayContaining([[1, 'follower'], [3, 'follower']]));
    expect(theirs.body.rows.some((r) => r.actor === 'follower')).toBe(false);
  });

  it('reports its follow state; the leader reports that it follows nobody', async () => {
    const state = await followState(follower);
    expect(state).toMatchObject({ following: true, leader: leader.url, intervalMs: 100, lastError: null });
    expect(state.lastSyncAt).toBeGreaterThan(0);
    expect(state.lag).toBeGreaterThanOrEqual(0);
    expect(JSON.stringify(state)).not.toContain(leader.token);
    expect(await followState(leader)).toMatchObject({ following: false, leader: null, lastSyncAt: null, lag: null });
  });

  it('the leader serves registered bytes with their SHA-256, to the admin token and follow keys only', async () => {
    const bytes = weights(30);
    await register(leader, 'file', bytes);
    const r = await leader.admin('/admin/v1/models/file/versions/1/file');
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('application/octet-stream');
    expect(r.headers.get('x-hearth-sha256')).toBe(sha(bytes));
    expect(Buffer.from(await r.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
    expect((await fetch(`${leader.url}/admin/v1/models/file/versions/1/file`)).status).toBe(401);
    const withKey = async (scopes: string[]) => (await fetch(`${leader.url}/admin/v1/models/file/versions/1/file`, {
      headers: { authorization: `Bearer ${(await createKey(leader, scopes.join('+'), scopes)).key}` },
    })).status;
    expect(await withKey(['follow'])).toBe(200);
    expect(await withKey(['infer', 'metadata'])).toBe(401);
    expect((await leader.admin('/admin/v1/models/file/versions/2/file')).status).toBe(404);
    expect((await leader.admin('/admin/v1/models/nope/versions/1/file')).status).toBe(404);
  });

  it('a follower with a key the leader does not know reports it without ever showing it, and keeps serving', async () => {
    const wrong = generateKey();
    const other = await startFollower(leader, { followKey: wrong });
    try {
      const state = await followState(other);
      expect(state.lastError).toMatch(/answered 401/);
      expect(state.lastError).toMatch(/--follow-key/);
      expect(JSON.stringify(state)).not.toContain(wrong);
      expect(state.lastSyncAt).toBeNull();
      expect((await fetch(`${other.url}/v2/health/live`)).status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  it('a follower that held versions of its own before it began to follow converges on the leader', async () => {
    await register(leader, 'conv', weights(40));
    await register(leader, 'conv', weights(41));
    expect((await setAlias(leader, 'conv', 'production', 1)).status).toBe(200);
    const standalone = await startTestServer({ demoModels: false });
    const dataDir = standalone.dataDir;
    await register(standalone, 'conv', weights(50)); // 1, other bytes than the leader's 1
    await register(standalone, 'conv', weights(41)); // 2, the bytes the leader has as 2
    await register(standalone, 'local-only', weights(51));
    expect((await setAlias(standalone, 'conv', 'production', 1)).status).toBe(200);
    await standalone.close();
    const other = await startFollower(leader, {}, dataDir);
    try {
      expect(await registryOf(other)).toEqual(await registryOf(leader));
      expect((await infer(other, 'conv', x)).logits).toEqual((await infer(leader, 'conv', x)).logits);
      expect((await followState(other)).lastError).toBeNull();
      expect((await json<{ error: string }>(upload(other, 'conv', weights(60)))).status).toBe(409);
    } finally {
      await other.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
