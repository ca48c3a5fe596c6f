import type { Config } from '../../server/base/config.js';
import { json, post, startTestServer, upload, type TestServer } from '../helpers/server.js';

export interface FollowState {
  following: boolean; leader: string | null; intervalMs: number | null; lastSyncAt: number | null;
  lastAttemptAt: number | null; lastError: string | null; lag: number | null; lastChanges: string[]; syncs: number;
  leaderInstanceId: string | null; hold: Hold | null;
}

export interface ModelView {
  name: string;
  aliases: Record<string, number>;
  versions: { version: number; sha256: string; description: string; tags: string[]; metadata: Record<string, unknown>; settings: Record<string, unknown> }[];
  aliasHistory: { alias: string; version: number | null; action: string }[];
}

export const followState = async (s: TestServer) => (await json<FollowState>(s.admin('/admin/v1/follow'))).body;

/**
 * Waits until the follower has finished two more syncs: the second of them started after the
 * caller's change on the leader, so whatever it shows reflects that change.
 */
export async function caughtUp(follower: TestServer): Promise<FollowState> {
  const start = (await followState(follower)).syncs;
  for (;;) {
    const state = await followState(follower);
    if (state.syncs >= start + 2) return state;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A key made on `s` with the given scopes (the follow scope by default), as `hearth key create` makes one. */
export async function createKey(s: TestServer, name = 'follower', scopes: string[] = ['follow']): Promise<{ id: string; key: string }> {
  const r = await json<{ id: string; key: string; error?: string }>(s.admin('/admin/v1/keys', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name, scopes }),
  }));
  if (r.status !== 201) throw new Error(`key create: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

/** A follower of `leader` over plain loopback HTTP (so it says --follow-insecure), with a follow key of its own. */
export async function startFollower(leader: TestServer, overrides: Partial<Config> = {}, keepDataDir?: string): Promise<TestServer> {
  const followKey = overrides.followKey ?? (await createKey(leader)).key;
  return startTestServer({ followUrl: leader.url, followKey, followInsecure: true, followIntervalMs: 100, ...overrides }, keepDataDir);
}

export interface Hold { id: string; reason: 'leader-changed' | 'removals'; message: string; since: number; removals: string[] }

export async function model(s: TestServer, name: string): Promise<{ status: number; body: ModelView }> {
  return json<ModelView>(s.admin(`/admin/v1/models/${encodeURIComponent(name)}`));
}

/** The registry as a comparable value: versions with their bytes and settings, and aliases. */
export async function registryOf(s: TestServer): Promise<Record<string, unknown>> {
  const { body } = await json<{ models: { name: string }[] }>(s.admin('/admin/v1/models'));
  const out: Record<string, unknown> = {};
  for (const { name } of body.models) {
    const m = (await model(s, name)).body;
    out[name] = {
      aliases: m.aliases,
      versions: m.versions.map((v) => ({ version: v.version, sha256: v.sha256, description: v.description, tags: v.tags, metadata: v.metadata, settings: v.settings })),
    };
  }
  return out;
}

export async function register(s: TestServer, name: string, bytes: Uint8Array, query = ''): Promise<number> {
  const r = await json<{ version: number }>(upload(s, name, bytes, query));
  if (r.status !== 201) throw new Error(`register ${name}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.version;
}

export const setAlias = (s: TestServer, name: string, alias: string, version: number) =>
  s.admin(`/admin/v1/models/${encodeURIComponent(name)}/aliases/${alias}`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version }),
  });

export async function infer(s: TestServer, name: string, data: number[], version?: number): Promise<{ status: number; version: string; logits: number[] }> {
  const path = version === undefined ? `/v2/models/${name}/infer` : `/v2/models/${name}/versions/${version}/infer`;
  const r = await json<{ model_version: string; outputs: { data: number[] }[] }>(post(`${s.url}${path}`, {
    inputs: [{ name: 'input', shape: [1, data.length], datatype: 'FP32', data }],
  }));
  return { status: r.status, version: r.body.model_version, logits: r.body.outputs?.[0]?.data ?? [] };
}
