import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateKey, KeyStore, wellFormed } from '../../../server/auth/keys.js';
import { openDatabase, type Db } from '../../../server/db/database.js';
import { HearthError } from '../../../server/base/errors.js';

describe('API keys', () => {
  let dir: string;
  let db: Db;
  let now: number;
  let store: KeyStore;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-keys-'));
    db = openDatabase(path.join(dir, 'hearth.db'));
    now = 1_700_000_000_000;
    store = new KeyStore(db, () => now);
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('look like hearth_<32 random bytes>_<checksum>, and a typo fails the checksum', () => {
    const key = generateKey();
    const m = /^hearth_([A-Za-z0-9_-]+)_([0-9a-f]{8})$/.exec(key);
    expect(m).not.toBeNull();
    expect(Buffer.from(m![1], 'base64url').length).toBe(32);
    expect(wellFormed(key)).toBe(true);
    const typo = key.slice(0, 10) + (key[10] === 'A' ? 'B' : 'A') + key.slice(11);
    expect(wellFormed(typo)).toBe(false);
    expect(new Set(Array.from({ length: 200 }, generateKey)).size).toBe(200);
  });

  it('are stored only as a SHA-256 hash: the database files never hold the key', async () => {
    const { key, record } = store.create({ name: 'scanner' });
    db.pragma('wal_checkpoint(TRUNCATE)');
    const hash = createHash('sha256').update(key).digest('hex');
    const row = db.prepare('SELECT * FROM api_keys WHERE id = ?').get(record.id) as Record<string, unknown>;
    expect(row.hash).toBe(hash);
    expect(Object.values(row)).not.toContain(key);
    for (const f of await readdir(dir)) {
      const bytes = await readFile(path.join(dir, f));
      expect(bytes.includes(Buffer.from(key)), f).toBe(false);
      expect(bytes.includes(Buffer.from(key.slice('hearth_'.length, 'hearth_'.length + 43))), f).toBe(false);
    }
    expect(store.list().map((k) => Object.keys(k))).toEqual([[
      'id', 'name', 'scopes', 'models', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt', 'ratePerSecond', 'maxConcurrent',
    ]]);
  });

  it('authenticate live keys only: unknown, revoked and expired alike are undefined', () => {
    const live = store.create({ name: 'live', scopes: ['infer'], models: ['iris'] });
    const revoked = store.create({ name: 'revoked' });
    const expiring = store.create({ name: 'expiring', expiresAt: now + 1000 });
    store.revoke(revoked.record.id);
    expect(store.authenticate(live.key)).toMatchObject({ id: live.record.id, scopes: ['infer'], models: ['iris'] });
    expect(store.authenticate(expiring.key)?.id).toBe(expiring.record.id);
    now += 1000;
    expect(store.authenticate(expiring.key)).toBeUndefined();
    expect(store.authenticate(revoked.key)).toBeUndefined();
    expect(store.authenticate(generateKey())).toBeUndefined();
    expect(store.authenticate('')).toBeUndefined();
    expect(store.authenticate(live.key)?.id).toBe(live.record.id);
  });

  it('record when a key was last used, to the minute', () => {
    const { key, record } = store.create({ name: 'k' });
    expect(store.get(record.id).lastUsedAt).toBeNull();
    store.authenticate(key);
    expect(store.get(record.id).lastUsedAt).toBe(now);
    const first = now;
    now += 30_000;
    store.authenticate(key);
    expect(store.get(record.id).lastUsedAt).toBe(first);
    now += 31_000;
    store.authenticate(key);
    expect(store.get(record.id).lastUsedAt).toBe(now);
  });

  it('refuse bad input with 400', () => {
    expect(() => store.create({ name: ' ' })).toThrow(HearthError);
    expect(() => store.create({ name: 'x', expiresAt: now - 1 })).toThrow(/expiry is in the past/);
    expect(() => store.create({ name: 'x', scopes: ['admin' as 'infer'] })).toThrow(/Unknown scope "admin"/);
    expect(() => store.create({ name: 'x', ratePerSecond: 0 })).toThrow(/ratePerSecond must be a number above 0/);
    expect(() => store.create({ name: 'x', maxConcurrent: 1.5 })).toThrow(/maxConcurrent must be a whole number/);
  });

  it('carry their own rate limits, which fall back to the server default when null', () => {
    const { key, record } = store.create({ name: 'limited', ratePerSecond: 5 });
    expect(record).toMatchObject({ ratePerSecond: 5, maxConcurrent: null });
    expect(store.setLimits(record.id, { maxConcurrent: 2 })).toMatchObject({ ratePerSecond: 5, maxConcurrent: 2 });
    expect(store.setLimits(record.id, { ratePerSecond: null })).toMatchObject({ ratePerSecond: null, maxConcurrent: 2 });
    expect(store.authenticate(key)).toMatchObject({ ratePerSecond: null, maxConcurrent: 2 });
    expect(() => store.setLimits('key_missing', { maxConcurrent: 1 })).toThrow(/no API key with id "key_missing"/);
  });
});
