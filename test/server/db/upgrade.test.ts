import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../../server/db/migrations/index.js';
import { cli } from '../../helpers/cli.js';
import { json, startTestServer } from '../../helpers/server.js';

/**
 * Databases written by earlier Hearths (test/fixtures/db/, made by scripts/make-db-fixture.ts from
 * the commits its README names), opened by today's server: nothing they held may be lost.
 */
const FIXTURES = fileURLToPath(new URL('../../fixtures/db/', import.meta.url));

interface Output { name: string; datatype: string; shape: number[]; data: unknown[] }
interface VersionView {
  version: number; sha256: string; size: number; createdAt: number; description: string;
  inputs: unknown[]; outputs: unknown[]; metadata: Record<string, unknown>; tags: string[];
  settings: Record<string, unknown>; aliases: string[];
}
interface ModelView {
  name: string; createdAt: number; versions: VersionView[]; aliases: Record<string, number>;
  aliasHistory: Record<string, unknown>[];
}
interface Fixture {
  schema: number;
  commit: string;
  records: { admin: number; inference: number };
  keys: { id: string; key: string; name: string }[];
  keyList: { keys: Record<string, unknown>[] };
  models: Record<string, ModelView>;
  answers: Record<string, Output[]>;
  network: { corsOrigins: string[]; keyLimits: Record<string, unknown>[] } | null;
  uptimeTarget: number | null;
  skipped: string[];
}

type Row = Record<string, unknown>;
interface Snapshot { version: number; records: Row[]; checkpoints: Row[]; versions: Row[]; aliases: Row[]; history: Row[]; keys: Row[] }

/** Every row that must survive, read straight from the file. */
function snapshot(file: string): Snapshot {
  const db = new Database(file, { readonly: true });
  try {
    const all = (sql: string) => db.prepare(sql).all() as Row[];
    return {
      version: db.pragma('user_version', { simple: true }) as number,
      records: all('SELECT * FROM records ORDER BY seq'),
      checkpoints: all('SELECT * FROM checkpoints ORDER BY id'),
      versions: all('SELECT v.*, m.name FROM versions v JOIN models m ON m.id = v.model_id ORDER BY m.name, v.version'),
      aliases: all('SELECT a.alias, a.version, m.name FROM aliases a JOIN models m ON m.id = a.model_id ORDER BY m.name, a.alias'),
      history: all('SELECT * FROM alias_history ORDER BY id'),
      // last_used_at moves when the test uses the keys; every other column must stay.
      keys: all('SELECT * FROM api_keys ORDER BY id').map(({ last_used_at: _used, ...rest }) => rest),
    };
  } finally {
    db.close();
  }
}

const stable = (v: VersionView) => ({
  version: v.version, sha256: v.sha256, size: v.size, createdAt: v.createdAt, description: v.description,
  inputs: v.inputs, outputs: v.outputs, metadata: v.metadata, tags: v.tags, aliases: v.aliases,
});

const infer = (url: string, model: string, input: string, data: number[], key?: string) =>
  fetch(`${url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(key === undefined ? {} : { authorization: `Bearer ${key}` }) },
    body: JSON.stringify({ inputs: [{ name: input, shape: [1, 4], datatype: 'FP32', data }] }),
  });

describe('a database written by an earlier Hearth, opened by this one', () => {
  const dirs: string[] = [];
  afterAll(async () => { for (const d of dirs) await rm(d, { recursive: true, force: true }); });

  // Schemas 1 and 3 never shipped on their own: migrations 1-2 and 3-4 arrived in the same commits.
  const found = readdirSync(FIXTURES).filter((d) => /^v\d+$/.test(d)).sort();
  it('has a fixture for every schema an earlier Hearth wrote', () => {
    expect(found).toEqual(['v2', 'v4', 'v5', 'v6']);
  });

  describe.each(found)('%s', (name) => {
    it('keeps models, versions, aliases, settings, keys and the usage log, and the audit chain still verifies', async () => {
      const fixture = JSON.parse(await readFile(path.join(FIXTURES, name, 'fixture.json'), 'utf8')) as Fixture;
      const work = await mkdtemp(path.join(os.tmpdir(), `hearth-upgrade-${name}-`));
      dirs.push(work);
      const dataDir = path.join(work, 'data');
      await cp(path.join(FIXTURES, name, 'data'), dataDir, { recursive: true });
      const dbFile = path.join(dataDir, 'hearth.db');
      const before = snapshot(dbFile);
      expect(before.version).toBe(fixture.schema);
      // A fixture with nothing in it would pass every check below.
      expect(before.records.filter((r) => r.kind === 'inference')).toHaveLength(fixture.records.inference);
      expect(before.records.filter((r) => r.kind === 'admin')).toHaveLength(fixture.records.admin);
      expect(fixture.records.inference).toBeGreaterThanOrEqual(5);
      expect(before.versions).toHaveLength(5);

      const server = await startTestServer({ demoModels: false, requireApiKey: true }, dataDir);
      try {
        // The registry as the old server described it.
        for (const [model, old] of Object.entries(fixture.models)) {
          const now = await json<ModelView>(server.admin(`/admin/v1/models/${model}`));
          expect(now.status).toBe(200);
          expect(now.body.createdAt).toBe(old.createdAt);
          expect(now.body.aliases).toEqual(old.aliases);
          expect(now.body.aliasHistory).toEqual(old.aliasHistory);
          expect(now.body.versions.map(stable)).toEqual(old.versions.map(stable));
          // Newer code may add settings with defaults; every one the old server had stays as it was.
          now.body.versions.forEach((v, i) => expect(v.settings).toMatchObject(old.versions[i].settings));
        }
        for (const v of before.versions) {
          const sha = String(v.sha256);
          expect(existsSync(path.join(dataDir, 'blobs', 'sha256', sha.slice(0, 2), sha))).toBe(true);
        }

        // Keys: same records and limits (before any use moves lastUsedAt), and the keys still work.
        const keys = await json<{ keys: Record<string, unknown>[] }>(server.admin('/admin/v1/keys'));
        expect(keys.body.keys).toHaveLength(fixture.keyList.keys.length);
        for (const old of fixture.keyList.keys) {
          expect(keys.body.keys.find((k) => k.id === old.id)).toMatchObject(old);
        }
        const [clinic, reports, revoked] = fixture.keys.map((k) => k.key);
        const features = [[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3], [5.9, 3.0, 4.2, 1.5]];
        for (const [i, row] of features.entries()) {
          const r = await json<{ outputs: Output[] }>(infer(server.url, 'iris', 'features', row, clinic));
          expect(r.status).toBe(200);
          expect(r.body.outputs).toEqual(fixture.answers[`iris ${i}`]);
        }
        const scored = await json<{ outputs: Output[] }>(infer(server.url, 'scorer', 'input', [0.5, -1, 2, 0.25], reports));
        expect(scored.status).toBe(200);
        expect(scored.body.outputs).toEqual(fixture.answers.scorer);
        // The clinic key was limited to iris, and the revoked key stays revoked.
        expect((await infer(server.url, 'scorer', 'input', [0, 0, 0, 0], clinic)).status).toBe(403);
        expect((await infer(server.url, 'iris', 'features', features[0], revoked)).status).toBe(401);
        expect((await infer(server.url, 'iris', 'features', features[0])).status).toBe(401);

        if (fixture.network) {
          const network = await json<{ corsOrigins: string[]; keyLimits: unknown[] }>(server.admin('/admin/v1/network'));
          expect(network.body.corsOrigins).toEqual(fixture.network.corsOrigins);
          expect(fixture.network.keyLimits).toHaveLength(1);
          expect(network.body.keyLimits).toEqual(fixture.network.keyLimits);
        }
        if (fixture.uptimeTarget !== null) {
          const uptime = await json<{ target: number }>(server.admin('/admin/v1/uptime'));
          expect(uptime.body.target).toBe(fixture.uptimeTarget);
        }

        // The old usage records through today's usage export.
        const usage = await server.admin('/admin/v1/usage?format=jsonl');
        expect(usage.status).toBe(200);
        const exported = (await usage.text()).trim().split('\n').map((l) => JSON.parse(l) as Row);
        const oldRequests = before.records.filter((r) => r.kind === 'inference').map((r) => r.request_id);
        expect(oldRequests.every((id) => exported.some((e) => e.requestId === id))).toBe(true);

        // The whole chain, old records and new, exported now and checked by today's verifier.
        const bundle = await server.admin('/admin/v1/audit/export');
        expect(bundle.status).toBe(200);
        const bundleFile = path.join(work, 'now.jsonl');
        await writeFile(bundleFile, await bundle.text());
        const verified = await cli(['audit', 'verify', bundleFile]);
        expect(verified.err).toBe('');
        expect(verified.code).toBe(0);
        // An auditor who kept the old server's bundle sees the new one continue it.
        const oldBundle = path.join(FIXTURES, name, 'audit-bundle.jsonl');
        if (existsSync(oldBundle)) {
          const extended = await cli(['audit', 'verify', '--extends', oldBundle, bundleFile]);
          expect(extended.err).toBe('');
          expect(extended.code).toBe(0);
        } else {
          expect(fixture.skipped).toContain('audit export');
        }
      } finally {
        await server.stop();
      }

      // Row for row: every old record, checkpoint, version, alias and key is still stored as written.
      // toMatchObject: a migration may add columns (api_keys gained two), never change an old value.
      const after = snapshot(dbFile);
      expect(after.version).toBe(MIGRATIONS.length);
      expect(after.records.slice(0, before.records.length)).toMatchObject(before.records);
      expect(after.records.length).toBeGreaterThan(before.records.length);
      expect(after.checkpoints.slice(0, before.checkpoints.length)).toMatchObject(before.checkpoints);
      expect(after.versions).toMatchObject(before.versions);
      expect(after.aliases).toEqual(before.aliases);
      expect(after.history).toMatchObject(before.history);
      expect(after.keys).toMatchObject(before.keys);
    });
  });
});
