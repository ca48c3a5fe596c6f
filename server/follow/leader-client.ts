import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';

/** A sync step that failed; its message is safe to log and show (it never holds the token). */
export class FollowError extends Error {}

const LeaderVersionSchema = Type.Object({
  version: Type.Integer({ minimum: 1 }),
  sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  size: Type.Integer({ minimum: 0 }),
  description: Type.String(),
  metadata: Type.Record(Type.String(), Type.Unknown()),
  tags: Type.Array(Type.String()),
  settings: Type.Record(Type.String(), Type.Unknown()),
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
    scopes: Type.Array(Type.Union([Type.Literal('infer'), Type.Literal('metadata')])),
    models: Type.Union([Type.Array(Type.String()), Type.Null()]),
    createdAt: Type.Integer(), expiresAt: Type.Union([Type.Integer(), Type.Null()]),
    revokedAt: Type.Union([Type.Integer(), Type.Null()]), lastUsedAt: Type.Union([Type.Integer(), Type.Null()]),
    ratePerSecond: Type.Union([Type.Number(), Type.Null()]), maxConcurrent: Type.Union([Type.Integer(), Type.Null()]),
  }, { additionalProperties: true })),
});
export type MirroredKey = Static<typeof LeaderKeysSchema>['keys'][number];

export class LeaderClient {
  readonly url: string;
  readonly display: string;

  constructor(url: string, private readonly token: string, private readonly timeoutMs = 10_000, private readonly downloadTimeoutMs = 600_000) {
    this.url = url.replace(/\/+$/, '');
    this.display = displayUrl(url);
  }

  private async get(pathname: string, signal: AbortSignal, timeoutMs: number): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.url}${pathname}`, {
        headers: { authorization: `Bearer ${this.token}` },
        signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
      });
    } catch (err) {
      // undici hides the reason (refused, reset, DNS) in `cause`; the token is in no part of it.
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new FollowError(`cannot reach the leader at ${this.display} (GET ${pathname}): ${err instanceof Error ? err.message : String(err)}${cause}`);
    }
    if (res.ok) return res;
    const text = await res.text().catch(() => '');
    let message = text.slice(0, 300);
    try { message = (JSON.parse(text) as { error?: string }).error ?? message; } catch { /* not JSON */ }
    const hint = res.status === 401 ? ' Check --follow-token: it must be the leader\'s admin token.' : '';
    throw new FollowError(`the leader at ${this.display} answered ${res.status} to GET ${pathname}: ${message}${hint}`);
  }

  private async json<T>(pathname: string, schema: Parameters<typeof Value.Check>[0], signal: AbortSignal): Promise<T> {
    const res = await this.get(pathname, signal, this.timeoutMs);
    let body: unknown;
    try { body = await res.json(); } catch { throw new FollowError(`the leader's answer to GET ${pathname} is not JSON; is ${this.display} a Hearth server?`); }
    if (!Value.Check(schema, body)) {
      const e = [...Value.Errors(schema, body)][0];
      throw new FollowError(`the leader's answer to GET ${pathname} has an unexpected shape at "${e?.path ?? ''}" (a different Hearth version?).`);
    }
    return body as T;
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
    const announced = res.headers.get('x-hearth-sha256');
    if (announced !== v.sha256 || !res.body) {
      await res.body?.cancel().catch(() => undefined);
      throw new FollowError(`${what} from the leader is announced as sha256 ${announced ?? '(none)'}; its registry says ${v.sha256}.`);
    }
    return Readable.from(verified(res.body as WebReadableStream<Uint8Array>, { ...v, what }), { objectMode: false });
  }
}
