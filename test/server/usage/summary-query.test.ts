import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createUsageLog } from '../../../server/usage/log.js';
import { queryUsage } from '../../../server/usage/query.js';
import { summarizeUsage } from '../../../server/usage/summary.js';
import { openTempDb, sampleRecord, type TempDb } from './helpers.js';

const BASE = 1_700_000_000_000;

describe('summarizeUsage and queryUsage', () => {
  let t: TempDb;

  beforeEach(async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    const r = (i: number, keyId: string | null, model: string, ok: boolean, latencyUs: number): Promise<number> =>
      log.append(
        sampleRecord(i, {
          keyId,
          model,
          outcome: ok ? 'success' : 'error',
          status: ok ? 200 : 500,
          latencyUs,
          bytesIn: 1000 * i,
          bytesOut: 10 * i,
        }),
      );
    await Promise.all([
      r(1, 'key-a', 'bert', true, 250_000),
      r(2, 'key-a', 'bert', false, 500_000),
      r(3, 'key-b', 'resnet', true, 1_000_000),
      r(4, null, 'resnet', true, 2_000_000),
      r(5, 'key-a', 'resnet', true, 4_000_000),
      r(60, 'key-a', 'bert', true, 8_000_000), // outside [BASE, BASE + 10 s)
    ]);
    await log.appendAdmin({ action: 'load', actor: 'system', model: 'bert' });
    await log.close();
  });
  afterEach(() => t.cleanup());

  it('totals per key and per model over a period', () => {
    const period = { from: BASE, to: BASE + 10_000 };
    expect(summarizeUsage(t.db, { ...period, groupBy: 'key' })).toEqual([
      { key: 'key-a', requests: 3, errors: 1, computeSeconds: 4.75, bytesIn: 8000, bytesOut: 80 },
      { key: null, requests: 1, errors: 0, computeSeconds: 2, bytesIn: 4000, bytesOut: 40 },
      { key: 'key-b', requests: 1, errors: 0, computeSeconds: 1, bytesIn: 3000, bytesOut: 30 },
    ]);
    expect(summarizeUsage(t.db, { ...period, groupBy: 'model' })).toEqual([
      { model: 'resnet', requests: 3, errors: 0, computeSeconds: 7, bytesIn: 12_000, bytesOut: 120 },
      { model: 'bert', requests: 2, errors: 1, computeSeconds: 0.75, bytesIn: 3000, bytesOut: 30 },
    ]);
    // Without a period, the record outside it counts too; ties are ordered by name.
    expect(summarizeUsage(t.db, { groupBy: 'model' }).map((s) => [s.model, s.requests])).toEqual([['bert', 3], ['resnet', 3]]);
  });

  it('pages newest first', () => {
    const first = queryUsage(t.db, { limit: 4 });
    expect(first.rows.map((r) => r.seq)).toEqual([6, 5, 4, 3]);
    expect(first.nextBeforeSeq).toBe(3);
    const second = queryUsage(t.db, { limit: 4, beforeSeq: first.nextBeforeSeq ?? undefined });
    expect(second).toEqual({ rows: [expect.objectContaining({ seq: 2 }), expect.objectContaining({ seq: 1 })], nextBeforeSeq: null });
    expect(queryUsage(t.db, { model: 'resnet', keyId: 'key-a' }).rows.map((r) => r.seq)).toEqual([5]);
    expect(queryUsage(t.db, { kind: 'all', limit: 1 }).rows[0]).toMatchObject({ seq: 7, kind: 'admin', action: 'load' });
  });
});
