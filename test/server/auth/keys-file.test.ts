import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKeysFile, watchKeysFile } from '../../../server/auth/keys-file-watch.js';
import { generateKey, KeyStore } from '../../../server/auth/keys.js';
import { openDatabase } from '../../../server/db/database.js';
import { cli } from '../../helpers/cli.js';
import { json, post, startTestServer, type TestServer } from '../../helpers/server.js';

const features = { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.9, 3.0, 5.1, 1.8] }] };
const infer = (s: TestServer, key: string) => post(`${s.url}/v2/models/iris/infer`, features, { authorization: `Bearer ${key}` });

/** A key and its hash as an operator makes them: `hearth key generate`, then `hearth key hash` on it. */
async function makeKey(): Promise<{ key: string; sha256: string }> {
  const generated = await cli(['key', 'generate']);
  expect(generated.code).toBe(0);
  const hashed = await cli(['key', 'hash'], `${generated.out}\n`);
  expect(hashed.code).toBe(0);
  return { key: generated.out, sha256: hashed.out };
}

/** Replaced as Kubernetes replaces a mounted Secret's file: a new file renamed over the old. */
async function writeKeys(file: string, entries: unknown): Promise<void> {
  await writeFile(`${file}.new`, JSON.stringify(entries));
  await rename(`${file}.new`, file);
}

describe('API keys from a keys file (--keys-file), as a Kubernetes Secret supplies them', () => {
  let dir: string;
  let file: string;
  let s: TestServer;
  let app: { key: string; sha256: string };
  let expired: { key: string; sha256: string };
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-keys-file-'));
    file = path.join(dir, 'keys.json');
    app = await makeKey();
    expired = await makeKey();
    await writeKeys(file, [
      { id: 'app', name: 'scanner app', sha256: app.sha256, scopes: ['infer', 'metadata'] },
      { id: 'old', name: 'retired', sha256: expired.sha256.toUpperCase(), scopes: ['infer'], expiresAt: '2001-01-01' },
    ]);
    s = await startTestServer({ requireApiKey: true, keysFile: file, keysFilePollMs: 100 });
  });
  afterAll(async () => {
    await s?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('a key from the file authenticates; an unknown or expired one does not', async () => {
    const ok = await json<{ outputs: { name: string }[] }>(infer(s, app.key));
    expect(ok.status).toBe(200);
    expect((await infer(s, generateKey())).status).toBe(401);
    expect((await infer(s, expired.key)).status).toBe(401);
    const list = await json<{ keys: { id: string; name: string; fromFile?: boolean; lastUsedAt: number | null }[] }>(s.admin('/admin/v1/keys'));
    expect(list.body.keys.map((k) => [k.id, k.name, k.fromFile])).toEqual([['app', 'scanner app', true], ['old', 'retired', true]]);
    expect(list.body.keys[0]!.lastUsedAt).not.toBeNull();
  });

  it('cannot be revoked or given limits through the API: 409, saying to edit the file', async () => {
    const revoke = await json<{ error: string }>(s.admin('/admin/v1/keys/app', { method: 'DELETE' }));
    expect(revoke.status).toBe(409);
    expect(revoke.body.error).toContain(`comes from the keys file ${file}`);
    expect(revoke.body.error).toContain('the Secret');
    const limits = await s.admin('/admin/v1/network/keys/app', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ratePerSecond: 5 }),
    });
    expect(limits.status).toBe(409);
    const cli409 = await cli(['key', 'revoke', 'app', '--url', s.url, '--token', s.token]);
    expect(cli409.code).toBe(1);
    expect(cli409.err).toContain('keys file');
    expect((await infer(s, app.key)).status).toBe(200);
  });

  it('is re-read when the file changes: a removed key stops working, an added one starts', async () => {
    const next = await makeKey();
    await writeKeys(file, [{ id: 'app-2', name: 'scanner app', sha256: next.sha256, scopes: ['infer'], models: ['iris'] }]);
    while ((await infer(s, next.key)).status !== 200) await new Promise((r) => setTimeout(r, 25));
    expect((await infer(s, app.key)).status).toBe(401);
    const list = await json<{ keys: { id: string }[] }>(s.admin('/admin/v1/keys'));
    expect(list.body.keys.map((k) => k.id)).toEqual(['app-2']);
  });
});

describe('a keys file changed into one that is not valid', () => {
  it('keeps the keys loaded before in force and says why', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-keys-watch-'));
    const db = openDatabase(path.join(dir, 'hearth.db'));
    try {
      const file = path.join(dir, 'keys.json');
      const { key, sha256 } = await makeKey();
      await writeKeys(file, [{ id: 'app', name: 'app', sha256, scopes: ['infer'] }]);
      const keys = new KeyStore(db);
      await loadKeysFile(keys, file);
      const errors: string[] = [];
      let told: () => void = () => undefined;
      const error = new Promise<void>((resolve) => { told = resolve; });
      const stop = watchKeysFile(keys, file, { intervalMs: 100, onLoaded: () => undefined, onError: (m) => { errors.push(m); told(); } });
      try {
        await writeKeys(file, [{ id: 'app', name: 'app', sha256: sha256.slice(1), scopes: ['infer'] }]);
        await error;
      } finally {
        stop();
      }
      expect(errors[0]).toMatch(/keys\.json is not valid: entry 1 \("app"\) "sha256" must be .* The keys loaded before stay in force\./);
      expect(keys.authenticate(key)?.id).toBe('app');
    } finally {
      db.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('a keys file that is not valid stops hearth serve with what is wrong', () => {
  let dir: string;
  beforeAll(async () => { dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-keys-bad-')); });
  afterAll(async () => { await rm(dir, { recursive: true, force: true }); });

  const serve = async (name: string, content: string | null) => {
    const file = path.join(dir, `${name}.json`);
    if (content !== null) await writeFile(file, content);
    return cli(['serve', '--port', '0', '--data-dir', path.join(dir, `data-${name}`), '--workers', '1', '--no-demo-models', '--keys-file', file]);
  };

  it('names the file, the entry and the field', async () => {
    const { sha256 } = await makeKey();
    const cases: [string, string | null, RegExp][] = [
      ['not-json', '[{"id": "a",', /keys file .*not-json\.json is not valid: it is not JSON/],
      ['not-list', JSON.stringify({ id: 'a' }), /not-list\.json is not valid: it must be a JSON list of keys/],
      ['clear-key', JSON.stringify([{ id: 'a', name: 'app', sha256: generateKey(), scopes: ['infer'] }]),
        /entry 1 \("app"\) "sha256" must be the SHA-256 of the key as 64 hex digits \("hearth key hash" prints it\)/],
      ['typo', JSON.stringify([{ id: 'a', name: 'app', sha256, scope: ['infer'] }]), /entry 1 \("app"\) has the unknown field "scope"/],
      ['scope', JSON.stringify([{ id: 'a', name: 'app', sha256, scopes: ['admin'] }]), /entry 1 \("app"\) "scopes" must be a non-empty list of infer, metadata, follow, metrics/],
      ['twice', JSON.stringify([{ id: 'a', name: 'x', sha256, scopes: ['infer'] }, { id: 'a', name: 'y', sha256: 'a'.repeat(64), scopes: ['infer'] }]),
        /entry 2 \("y"\) repeats the id "a"/],
      ['date', JSON.stringify([{ id: 'a', name: 'app', sha256, scopes: ['infer'], expiresAt: 'next year' }]), /"expiresAt" must be null, ms since 1970, or an ISO 8601 date/],
      ['absent', null, /The keys file .*absent\.json cannot be read: ENOENT/],
    ];
    for (const [name, content, message] of cases) {
      const r = await serve(name, content);
      expect(r.code, name).toBe(1);
      expect(r.err, name).toMatch(message);
      expect(r.out, name).not.toContain('is serving');
    }
  });

  it('hearth key hash refuses what is not a Hearth key', async () => {
    const r = await cli(['key', 'hash'], 'password123\n');
    expect(r.code).toBe(1);
    expect(r.err).toContain('not a Hearth API key');
    expect(r.out).toBe('');
  });
});
