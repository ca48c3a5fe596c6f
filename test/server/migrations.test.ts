import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../server/cli.js';
import { MIGRATIONS } from '../../server/db/migrations/index.js';
import { json, startTestServer } from '../helpers/server.js';

describe('the database across restarts and versions', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  it('keeps models, aliases and keys across a restart and stamps the schema version', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-mig-'));
    dirs.push(dataDir);
    const first = await startTestServer({}, dataDir);
    await first.admin('/admin/v1/models/iris/rollback', { method: 'POST' });
    const key = await json<{ id: string }>(first.admin('/admin/v1/keys', {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'app' }),
    }));
    await first.stop();

    const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();

    const second = await startTestServer({}, dataDir);
    const model = await json<{ aliases: Record<string, number>; versions: unknown[] }>(second.admin('/admin/v1/models/iris'));
    expect(model.body.aliases.production).toBe(1);
    expect(model.body.versions).toHaveLength(2);
    const keys = await json<{ keys: { id: string }[] }>(second.admin('/admin/v1/keys'));
    expect(keys.body.keys.map((k) => k.id)).toEqual([key.body.id]);
    await second.stop();
  });

  it('refuses a database written by a newer Hearth, with a message that says so, and leaves it untouched', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'hearth-mig-'));
    dirs.push(dataDir);
    const s = await startTestServer({}, dataDir);
    await s.stop();
    const db = new Database(path.join(dataDir, 'hearth.db'));
    db.pragma(`user_version = ${MIGRATIONS.length + 5}`);
    db.close();

    const errors: string[] = [];
    const code = await main(['node', 'hearth', 'serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'silent'],
      { log: () => undefined, error: (m) => errors.push(m) });
    expect(code).toBe(1);
    expect(errors.join('\n')).toMatch(new RegExp(`schema version ${MIGRATIONS.length + 5}.*newer Hearth`));
    const after = new Database(path.join(dataDir, 'hearth.db'), { readonly: true });
    expect(after.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length + 5);
    after.close();
  });
});
