import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../../server/base/config.js';
import { openDatabase, type Db } from '../../../../server/db/database.js';
import { DEFAULT_NETWORK, initialSettings, NetworkStore, validatePatch } from '../../../../server/http/net/settings.js';

describe('network settings', () => {
  let dir: string;
  let db: Db;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-netset-'));
    db = openDatabase(path.join(dir, 'hearth.db'));
  });
  afterEach(async () => {
    db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const config = (overrides: Parameters<typeof resolveConfig>[0] = {}, env: NodeJS.ProcessEnv = {}) => resolveConfig({ dataDir: dir, ...overrides }, env);

  it('start on loopback with the private ranges allowed, CORS off and no rate limit', () => {
    expect(initialSettings(config(), {})).toEqual(DEFAULT_NETWORK);
    expect(DEFAULT_NETWORK.exposure).toBe('loopback');
    expect(DEFAULT_NETWORK.corsOrigins).toEqual([]);
  });

  it('keep what the admin saved across restarts, in the settings table', () => {
    const store = new NetworkStore(db);
    store.save({ exposure: 'all', corsOrigins: ['https://app.example'] });
    store.save({ rateLimit: { perSecond: 5, concurrent: null } });
    const reopened = new NetworkStore(db);
    expect(reopened.saved()).toEqual({ exposure: 'all', corsOrigins: ['https://app.example'], rateLimit: { perSecond: 5, concurrent: null } });
    expect(initialSettings(config(), reopened.saved())).toMatchObject({ exposure: 'all', corsOrigins: ['https://app.example'], rateLimit: { perSecond: 5, concurrent: null } });
    const row = db.prepare("SELECT value FROM settings WHERE key = 'network'").get() as { value: string };
    expect((JSON.parse(row.value) as { exposure: string }).exposure).toBe('all');
  });

  it('let a value given at start win over the saved one, for that run', () => {
    const saved = { exposure: 'all', allow: ['10.0.0.0/8'], rateLimit: { perSecond: 5, concurrent: 2 } };
    expect(initialSettings(config({ host: '127.0.0.1' }), saved).exposure).toBe('loopback');
    expect(initialSettings(config({}, { HEARTH_HOST: '0.0.0.0' }), saved).exposure).toBe('0.0.0.0');
    expect(initialSettings(config({}), saved).exposure).toBe('all');
    const s = initialSettings(config({ allow: ['192.168.5.0/24'], ratePerSecond: 50, corsOrigins: ['http://kiosk.local:3000'] }), saved);
    expect(s).toMatchObject({ allow: ['192.168.5.0/24'], corsOrigins: ['http://kiosk.local:3000'], rateLimit: { perSecond: 50, concurrent: 2 } });
  });

  it('refuse a bad allowlist or origin given at start, naming it', () => {
    expect(() => initialSettings(config({ allow: ['10.0.0.0/8', 'lan'] }), {})).toThrow(/"lan" is not an address range/);
    expect(() => initialSettings(config({ corsOrigins: ['app.example'] }), {})).toThrow(/"app\.example" is not a web origin/);
  });

  it('ignore a saved value this code cannot read rather than refusing to start', () => {
    db.prepare("INSERT INTO settings (key, value) VALUES ('network', ?)").run(JSON.stringify({ exposure: 42 }));
    expect(new NetworkStore(db).saved()).toEqual({});
    db.prepare("UPDATE settings SET value = 'not json' WHERE key = 'network'").run();
    expect(new NetworkStore(db).saved()).toEqual({});
  });

  it('check patches and put ranges in canonical form', () => {
    expect(validatePatch({ allow: ['192.168.1.7', '10.0.0.0/8', '10.0.0.0/8'] }).allow).toEqual(['192.168.1.7/32', '10.0.0.0/8']);
    expect(validatePatch({ corsOrigins: ['https://a.example', '*'] }).corsOrigins).toEqual(['https://a.example', '*']);
    expect(() => validatePatch({ corsOrigins: ['https://a.example/path'] })).toThrow(/not a web origin/);
    expect(() => validatePatch({ rateLimit: { perSecond: -1 } })).toThrow(/Invalid network setting/);
    expect(() => validatePatch({ exposure: 'all', extra: true } as never)).toThrow(/Invalid network setting/);
  });
});
