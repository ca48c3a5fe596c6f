// The model reads and the readiness probe run a fixed number of SQL statements, however many
// models and versions the registry holds (no query per model or per version).
import type { Statement } from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Db } from '../../../server/db/database.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const REGISTRY_TABLES = /\b(models|versions|aliases|alias_history)\b/;
const EXECUTE = ['get', 'all', 'run', 'iterate'] as const;

/** Every registry statement run on `db` while `during` runs (prepared statements included: it counts runs, not preparations). */
async function registryStatements(db: Db, during: () => Promise<unknown>): Promise<string[]> {
  const proto = Object.getPrototypeOf(db.prepare('SELECT 1')) as Statement;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- put back on the same prototype below, never called unbound
  const originals = EXECUTE.map((name) => [name, proto[name]] as const);
  const seen: string[] = [];
  for (const [name, original] of originals) {
    Object.defineProperty(proto, name, {
      configurable: true, writable: true,
      value: function (this: Statement, ...args: unknown[]) {
        if (this.database === db && REGISTRY_TABLES.test(this.source)) seen.push(this.source.replace(/\s+/g, ' '));
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      },
    });
  }
  try {
    await during();
  } finally {
    for (const [name, original] of originals) Object.defineProperty(proto, name, { configurable: true, writable: true, value: original });
  }
  return seen;
}

describe('statements per request against the registry', () => {
  let s: TestServer;
  beforeAll(async () => { s = await startTestServer(); });
  afterAll(async () => { await s.stop(); });

  /** Adds models m0…m(n-1) of `versions` versions each, production on the newest and canary on the first. */
  function grow(models: number, versions: number): void {
    const { registry } = s.services;
    for (let m = 0; m < models; m++) {
      const name = `m${m}`;
      const have = registry.hasModel(name) ? registry.listVersions(name).length : 0;
      for (let v = have; v < versions; v++) {
        registry.addVersion({
          name, sha256: `${m}-${v}`.padEnd(64, '0'), size: 1, description: `v${v + 1}`,
          signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }], outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 3] }] },
        });
      }
      registry.setAlias(name, 'production', versions);
      registry.setAlias(name, 'canary', 1);
    }
  }

  async function count(path: string, expectStatus: number[]): Promise<string[]> {
    return registryStatements(s.services.db, async () => {
      const res = await s.admin(path);
      expect(expectStatus).toContain(res.status);
      await res.arrayBuffer();
    });
  }

  test('GET /admin/v1/models/:name, GET /admin/v1/models and GET /v2/health/ready stay constant as the registry grows', async () => {
    grow(4, 3);
    const small = {
      detail: await count('/admin/v1/models/m1', [200]),
      list: await count('/admin/v1/models', [200]),
      ready: await count('/v2/health/ready', [200, 400]),
    };
    grow(12, 8);
    const large = {
      detail: await count('/admin/v1/models/m1', [200]),
      list: await count('/admin/v1/models', [200]),
      ready: await count('/v2/health/ready', [200, 400]),
    };
    const detail = await (await s.admin('/admin/v1/models/m1')).json() as { versions: { aliases: string[] }[] };
    expect(detail.versions).toHaveLength(8);
    expect(detail.versions[0].aliases).toEqual(['canary']);
    expect(detail.versions[7].aliases).toEqual(['production']);

    expect(small.detail.length, small.detail.join('\n')).toBeLessThanOrEqual(3);
    expect(large.detail.length, large.detail.join('\n')).toBe(small.detail.length);
    expect(small.list, small.list.join('\n')).toHaveLength(1);
    expect(large.list).toHaveLength(1);
    expect(small.ready, small.ready.join('\n')).toHaveLength(1);
    expect(large.ready).toHaveLength(1);
  });
});
