import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { prepared, type Db } from '../db/database.js';
import { badRequest, conflict, notFound } from '../base/errors.js';
import type { FileKey } from './keys-file.js';
import { SCOPES, type Scope } from './scopes.js';

// In a module of their own, without Node, so the UI can take the type.
export { SCOPES, type Scope } from './scopes.js';

export interface ApiKey {
  id: string;
  name: string;
  scopes: Scope[];
  models: string[] | null;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
  lastUsedAt: number | null;
  /** Requests per second this key may make; null: the server's default. */
  ratePerSecond: number | null;
  /** Requests this key may have in flight; null: the server's default. */
  maxConcurrent: number | null;
  /** Supplied by the keys file (--keys-file): read-only here, changed by editing the file. */
  fromFile?: boolean;
}

export interface KeyLimits {
  ratePerSecond?: number | null;
  maxConcurrent?: number | null;
}

interface KeyRow {
  id: string; name: string; hash: string; scopes: string; models: string | null;
  created_at: number; expires_at: number | null; revoked_at: number | null; last_used_at: number | null;
  rate_per_second: number | null; max_concurrent: number | null;
}

const toKey = (r: KeyRow): ApiKey => ({
  id: r.id, name: r.name, scopes: JSON.parse(r.scopes) as Scope[],
  models: r.models === null ? null : (JSON.parse(r.models) as string[]),
  createdAt: r.created_at, expiresAt: r.expires_at, revokedAt: r.revoked_at, lastUsedAt: r.last_used_at,
  ratePerSecond: r.rate_per_second ?? null, maxConcurrent: r.max_concurrent ?? null,
});

function checkLimits(l: KeyLimits): void {
  if (l.ratePerSecond !== undefined && l.ratePerSecond !== null && !(Number.isFinite(l.ratePerSecond) && l.ratePerSecond > 0)) {
    throw badRequest('ratePerSecond must be a number above 0, or null for the server default.');
  }
  if (l.maxConcurrent !== undefined && l.maxConcurrent !== null && !(Number.isInteger(l.maxConcurrent) && l.maxConcurrent >= 1)) {
    throw badRequest('maxConcurrent must be a whole number of at least 1, or null for the server default.');
  }
}

// One-shot crypto.hash: 0.3 µs against 0.75 µs for createHash().update().digest(), and the auth
// hook hashes every request's token.
const sha256 = (s: string) => hash('sha256', s, 'hex');
const checksumOf = (random: string) => sha256(`hearth:${random}`).slice(0, 8);

/** `hearth_<43 chars of base64url: 32 random bytes>_<8 hex checksum>`: typos are caught before any lookup. */
export function generateKey(): string {
  const random = randomBytes(32).toString('base64url');
  return `hearth_${random}_${checksumOf(random)}`;
}

export function wellFormed(key: string): boolean {
  const m = /^hearth_([A-Za-z0-9_-]{43})_([0-9a-f]{8})$/.exec(key);
  if (!m) return false;
  return timingSafeEqual(Buffer.from(m[2]), Buffer.from(checksumOf(m[1])));
}

/** The SHA-256 (hex) under which a key is stored; also what the auth hook compares the admin token by. */
export const tokenHash = sha256;

/** Most keys remembered between requests; beyond it the cache starts over (it only saves lookups). */
const KEY_CACHE_LIMIT = 10_000;

/** API keys, stored only as SHA-256 hashes. */
export class KeyStore {
  private lastUsedWrites = new Map<string, number>();
  /**
   * Live keys by hash, so the inference path runs no SQL and parses no JSON. Only keys that
   * authenticated are kept (an unknown token costs a lookup, never memory); every write to the
   * keys empties it, so revocation takes effect at once.
   */
  private readonly cache = new Map<string, ApiKey>();

  /** Keys supplied by the keys file, by id and by hash; never written to the database. */
  private fileKeys = new Map<string, FileKey>();
  private fileByHash = new Map<string, FileKey>();
  private fileLastUsed = new Map<string, number>();
  private keysFile: { path: string; loadedAt: number } | null = null;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  /**
   * Replaces the keys supplied by the keys file at `path` (loaded at start and again when it
   * changes). Refused, keeping the keys in force, when an id is that of a key created here.
   */
  useFileKeys(path: string, keys: FileKey[]): void {
    for (const k of keys) {
      if (prepared(this.db, 'SELECT 1 FROM api_keys WHERE id = ?').get(k.id)) {
        throw badRequest(`The keys file ${path} is not valid: the id "${k.id}" is that of a key created through the admin API; give the entry another id.`);
      }
    }
    this.changed();
    this.fileKeys = new Map(keys.map((k) => [k.id, k]));
    this.fileByHash = new Map(keys.map((k) => [k.hash, k]));
    this.keysFile = { path, loadedAt: this.now() };
  }

  private fileKey(k: FileKey): ApiKey {
    return {
      id: k.id, name: k.name, scopes: k.scopes, models: k.models, createdAt: this.keysFile?.loadedAt ?? 0,
      expiresAt: k.expiresAt, revokedAt: null, lastUsedAt: this.fileLastUsed.get(k.id) ?? null,
      ratePerSecond: null, maxConcurrent: null, fromFile: true,
    };
  }

  /** A key from the keys file cannot be changed here: the file (a Kubernetes Secret, as a rule) is its source. */
  private refuseFileKey(id: string, what: string): void {
    if (!this.fileKeys.has(id)) return;
    throw conflict(`The API key "${id}" comes from the keys file ${this.keysFile?.path ?? ''}, so it cannot be ${what} through the API. ` +
      'Edit that file (on Kubernetes, the Secret it is mounted from); Hearth re-reads it when it changes.');
  }

  /** Forgets every remembered key; called by each write below. */
  private changed(): void {
    this.cache.clear();
  }

  create(input: { name: string; scopes?: Scope[]; models?: string[] | null; expiresAt?: number | null } & KeyLimits): { key: string; record: ApiKey } {
    const name = input.name.trim();
    if (name.length === 0 || name.length > 128) throw badRequest('A key needs a name of 1 to 128 characters.');
    const scopes = input.scopes ?? ['infer', 'metadata'];
    for (const s of scopes) if (!SCOPES.includes(s)) throw badRequest(`Unknown scope "${s}"; scopes are ${SCOPES.join(', ')}.`);
    if (input.expiresAt !== undefined && input.expiresAt !== null && input.expiresAt <= this.now()) {
      throw badRequest('The expiry is in the past.');
    }
    checkLimits(input);
    const key = generateKey();
    const id = `key_${randomBytes(6).toString('hex')}`;
    this.changed();
    prepared(this.db, 
      `INSERT INTO api_keys (id, name, hash, scopes, models, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
    ).run(id, name, sha256(key), JSON.stringify([...new Set(scopes)]),
      input.models ? JSON.stringify(input.models) : null, this.now(), input.expiresAt ?? null);
    if (input.ratePerSecond !== undefined || input.maxConcurrent !== undefined) this.setLimits(id, input);
    return { key, record: this.get(id) };
  }

  /** Sets a key's own rate limits; a field left out keeps its value, null falls back to the server's default. */
  setLimits(id: string, limits: KeyLimits): ApiKey {
    this.refuseFileKey(id, 'given limits');
    const before = this.get(id);
    checkLimits(limits);
    this.changed();
    prepared(this.db, 'UPDATE api_keys SET rate_per_second = ?, max_concurrent = ? WHERE id = ?').run(
      limits.ratePerSecond === undefined ? before.ratePerSecond : limits.ratePerSecond,
      limits.maxConcurrent === undefined ? before.maxConcurrent : limits.maxConcurrent, id);
    return this.get(id);
  }

  /**
   * Every key created here with its hash (never the key itself), for a follower to mirror. Keys
   * from the keys file are left out: a follower that needs them is given the same file.
   */
  exportHashed(): (ApiKey & { hash: string })[] {
    return (prepared(this.db, 'SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[]).map((r) => ({ ...toKey(r), hash: r.hash }));
  }

  /**
   * Makes this store hold exactly the given keys (a follower mirroring its leader), so clients'
   * keys work on either instance; returns how many rows changed.
   */
  mirror(keys: (ApiKey & { hash: string })[]): number {
    let changed = 0;
    this.changed();
    this.db.transaction(() => {
      const wanted = new Set(keys.map((k) => k.id));
      for (const row of prepared(this.db, 'SELECT id FROM api_keys').all() as { id: string }[]) {
        if (!wanted.has(row.id)) changed += prepared(this.db, 'DELETE FROM api_keys WHERE id = ?').run(row.id).changes;
      }
      const upsert = prepared(this.db,
        `INSERT INTO api_keys (id, name, hash, scopes, models, created_at, expires_at, revoked_at, last_used_at, rate_per_second, max_concurrent)
         VALUES (@id, @name, @hash, @scopes, @models, @createdAt, @expiresAt, @revokedAt, NULL, @ratePerSecond, @maxConcurrent)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, hash = excluded.hash, scopes = excluded.scopes, models = excluded.models,
           expires_at = excluded.expires_at, revoked_at = excluded.revoked_at, rate_per_second = excluded.rate_per_second,
           max_concurrent = excluded.max_concurrent
         WHERE name IS NOT excluded.name OR hash IS NOT excluded.hash OR scopes IS NOT excluded.scopes OR models IS NOT excluded.models
           OR expires_at IS NOT excluded.expires_at OR revoked_at IS NOT excluded.revoked_at
           OR rate_per_second IS NOT excluded.rate_per_second OR max_concurrent IS NOT excluded.max_concurrent`);
      for (const k of keys) {
        changed += upsert.run({
          id: k.id, name: k.name, hash: k.hash, scopes: JSON.stringify(k.scopes), models: k.models ? JSON.stringify(k.models) : null,
          createdAt: k.createdAt, expiresAt: k.expiresAt, revokedAt: k.revokedAt, ratePerSecond: k.ratePerSecond, maxConcurrent: k.maxConcurrent,
        }).changes;
      }
    }).immediate();
    return changed;
  }

  /** Keys created here, then those from the keys file. */
  list(): ApiKey[] {
    const stored = (prepared(this.db, 'SELECT * FROM api_keys ORDER BY created_at, id').all() as KeyRow[]).map(toKey);
    return [...stored, ...[...this.fileKeys.values()].map((k) => this.fileKey(k))];
  }

  get(id: string): ApiKey {
    const fromFile = this.fileKeys.get(id);
    if (fromFile) return this.fileKey(fromFile);
    const row = prepared(this.db, 'SELECT * FROM api_keys WHERE id = ?').get(id) as KeyRow | undefined;
    if (!row) throw notFound(`There is no API key with id "${id}".`);
    return toKey(row);
  }

  revoke(id: string): ApiKey {
    this.refuseFileKey(id, 'revoked');
    this.get(id);
    this.changed();
    prepared(this.db, 'UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?').run(this.now(), id);
    return this.get(id);
  }

  /** The live key a bearer token names, or undefined for unknown, revoked and expired alike. */
  authenticate(token: string): ApiKey | undefined {
    return this.authenticateHashed(token, sha256(token));
  }

  /** authenticate() for a caller that has already hashed the token (the auth hook hashes it once). */
  authenticateHashed(token: string, hash: string): ApiKey | undefined {
    const now = this.now();
    let key = this.cache.get(hash);
    if (!key) {
      if (!wellFormed(token)) return undefined;
      const fromFile = this.fileByHash.get(hash);
      if (fromFile) key = this.fileKey(fromFile);
      else {
        const row = prepared(this.db, 'SELECT * FROM api_keys WHERE hash = ?').get(hash) as KeyRow | undefined;
        if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(hash))) return undefined;
        if (row.revoked_at !== null) return undefined;
        key = toKey(row);
      }
      if (this.cache.size >= KEY_CACHE_LIMIT) this.cache.clear();
      this.cache.set(hash, key);
    }
    if (key.expiresAt !== null && key.expiresAt <= now) return undefined;
    // Last-used is kept to the minute: a write per request would cost more than it tells.
    const last = this.lastUsedWrites.get(key.id) ?? 0;
    if (now - last > 60_000) {
      this.lastUsedWrites.set(key.id, now);
      if (key.fromFile) this.fileLastUsed.set(key.id, now);
      else prepared(this.db, 'UPDATE api_keys SET last_used_at = ? WHERE id = ?').run(now, key.id);
    }
    return key;
  }
}
