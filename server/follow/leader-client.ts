import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { leaderGet, readText, type LeaderResponse, type LeaderTransport } from './transport.js';
import { errorMessage } from '../base/message.js';
import { MAX_ASSET_BYTES } from '../processing/store.js';

/** A sync step that failed; its message is safe to log and show (it never holds the key). */
export class FollowError extends Error {}

const LeaderVersionSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  size: Type.Integer({ minimum: 0 }),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  tags: Type.Array(Type.String()),
  settings: Type.Record(Type.String(), Type.Unknown()),
  // Absent from a leader older than processing; checked as a spec when it is used (sync.ts).
  processing: Type.Optional(Type.Union([Type.Null(), Type.Object({
    spec: Type.Unknown(),
    assets: Type.Array(Type.Object({ key: Type.String(), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }), size: Type.Integer({ minimum: 0 }) })),
  })])),
});
export type LeaderVersion = Static<typeof LeaderVersionSchema>;

const LeaderModelSchema = Type.Object({
  name: Type.String(),
  versions: Type.Array(LeaderVersionSchema),
  aliases: Type.Record(Type.String(), Type.Integer({ minimum: 1 })),
  aliasHistory: Type.Array(Type.Object({
    alias: Type.String(), version: Type.Union([Type.Integer(), Type.Null()]), action: Type.String(),
  })),
});
export type LeaderModel = Static<typeof LeaderModelSchema>;

const LeaderListSchema = Type.Object({ models: Type.Array(Type.Object({ name: Type.String() })) });

/** The URL as shown in logs and messages: no credentials, no trailing slash. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  return u.toString().replace(/\/+$/, '');
}

/** Streams `source` through, failing the stream when its size or SHA-256 differs from the expected. */
async function* verified(source: AsyncIterable<Uint8Array>, expect: { sha256: string; size: number; what: string }): AsyncGenerator<Uint8Array> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of source) {
    size += chunk.length;
    if (size > expect.size) throw new FollowError(`${expect.what} from the leader is longer than the ${expect.size} bytes it announced; not registered.`);
    hash.update(chunk);
    yield chunk;
  }
  const sha = hash.digest('hex');
  if (size !== expect.size || sha !== expect.sha256) {
    throw new FollowError(`${expect.what} from the leader has ${size} bytes with sha256 ${sha}; expected ${expect.size} bytes with sha256 ${expect.sha256}; not registered.`);
  }
}

/** The leader's admin API, as a follower reads it. */
const LeaderKeysSchema = Type.Object({
  keys: Type.Array(Type.Object({
    id: Type.String(), name: Type.String(), hash: Type.String({ pattern: '^[0-9a-f]{64}$' }),
    scopes: Type.Array(Type.Union([Type.Literal('infer'), Type.Literal('metadata'), Type.Literal('follow'), Type.Literal('metrics')])),
    models: Type.Union([Type.Array(Type.String()), Type.Null()]),
    createdAt: Type.Integer(), expiresAt: Type.Union([Type.Integer(), Type.Null()]),
    revokedAt: Type.Union([Type.Integer(), Type.Null()]), lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
    ratePerSecond: Type.Union([Type.Number(), Type.Null()]), maxConcurrent: Type.Union([Type.Integer(), Type.Null()]),
  }, { additionalProperties: true })),
});
export type MirroredKey = Static<typeof LeaderKeysSchema>['keys'][number];

const InstanceSchema = Type.Object({ instanceId: Type.String({ pattern: '^[0-9a-f]{32}$' }) });

export class LeaderClient {
  readonly url: string;
  readonly display: string;

  constructor(url: string, private readonly key: string, private readonly transport: LeaderTransport, private readonly timeoutMs = 10_000, private readonly downloadTimeoutMs = 600_000) {
    this.url = url.replace(/\/+$/, '');
    this.display = displayUrl(url);
  }

  private async get(pathname: string, signal: AbortSignal, timeoutMs: number): Promise<LeaderResponse> {
    let res: LeaderResponse;
    try {
      res = await leaderGet(new URL(`${this.url}${pathname}`), this.key, this.transport, AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]));
    } catch (err) {
      // The key is in no part of these messages: it travels in a header, never in the URL.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new FollowError(`cannot reach the leader at ${this.display} (GET ${pathname}): ${errorMessage(err)}${cause}`);
    }
    if (res.status >= 200 && res.status < 300) return res;
    const text = await readText(res.body, 64 * 1024).catch(() => '');
    let message = text.slice(0, 300);
    try { message = (JSON.parse(text) as { error?: string }).error ?? message; } catch { /* not JSON */ }
    const hint = res.status === 401 || res.status === 403
      ? ' Check --follow-key: it must be a key of the leader with the follow scope (hearth key create NAME --scopes follow), not revoked.' : '';
    throw new FollowError(`the leader at ${this.display} answered ${res.status} to GET ${pathname}: ${message}${hint}`);
  }

  private async json<T>(pathname: string, schema: Parameters<typeof Value.Check>[0], signal: AbortSignal): Promise<T> {
    const res = await this.get(pathname, signal, this.timeoutMs);
    let body: unknown;
    try { body = JSON.parse(await readText(res.body)); } catch { throw new FollowError(`the leader's answer to GET ${pathname} is not JSON; is ${this.display} a Hearth server?`); }
    if (!Value.Check(schema, body)) {
      const e = [...Value.Errors(schema, body)][0];
      throw new FollowError(`the leader's answer to GET ${pathname} has an unexpected shape at "${e?.path ?? ''}" (a different Hearth version?).`);
    }
    return body as T;
  }

  /** The random id the leader's data directory was given: another id is another leader. */
  async instanceId(signal: AbortSignal): Promise<string> {
    return (await this.json<Static<typeof InstanceSchema>>('/admin/v1/instance', InstanceSchema, signal)).instanceId;
  }

  async modelNames(signal: AbortSignal): Promise<string[]> {
    const list = await this.json<Static<typeof LeaderListSchema>>('/admin/v1/models', LeaderListSchema, signal);
    return list.models.map((m) => m.name);
  }

  async keys(signal: AbortSignal): Promise<MirroredKey[]> {
    return (await this.json<Static<typeof LeaderKeysSchema>>('/admin/v1/keys/export', LeaderKeysSchema, signal)).keys;
  }

  async model(name: string, signal: AbortSignal): Promise<LeaderModel> {
    return this.json<LeaderModel>(`/admin/v1/models/${encodeURIComponent(name)}`, LeaderModelSchema, signal);
  }

  /** The model file of one version, as a stream that errors unless its bytes hash to `v.sha256`. */
  async download(name: string, v: Pick<LeaderVersion, 'version' | 'sha256' | 'size'>, signal: AbortSignal): Promise<Readable> {
    const pathname = `/admin/v1/models/${encodeURIComponent(name)}/versions/${v.version}/file`;
    const res = await this.get(pathname, signal, this.downloadTimeoutMs);
    const what = `the file of "${name}" version ${v.version}`;
    const announced = res.headers['x-hearth-sha256'];
    if (announced !== v.sha256) {
      res.body.destroy();
      throw new FollowError(`${what} from the leader is announced as sha256 ${typeof announced === 'string' ? announced : '(none)'}; its registry says ${v.sha256}.`);
    }
    return Readable.from(verified(res.body, { ...v, what }), { objectMode: false });
  }

  /** One asset of a version's processing, whole, checked against the size and SHA-256 the leader lists. */
  async asset(name: string, version: number, a: { key: string; sha256: string; size: number }, signal: AbortSignal): Promise<Buffer> {
    const what = `the asset "${a.key}" of "${name}" version ${version}`;
    if (a.size > MAX_ASSET_BYTES) throw new FollowError(`${what} is listed with ${a.size} bytes, over the ${MAX_ASSET_BYTES} an asset may have.`);
    const pathname = `/admin/v1/models/${encodeURIComponent(name)}/versions/${version}/assets/${encodeURIComponent(a.key)}`;
    const res = await this.get(pathname, signal, this.timeoutMs);
    const chunks: Uint8Array[] = [];
    for await (const chunk of verified(res.body, { ...a, what })) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
}
