import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createUsageLog } from '../../../server/usage/log.js';
import { hashRecord, inferenceFields, RECORD_SELECT } from '../../../server/usage/record.js';
import { ZERO_HASH } from '../../../server/usage/schema.js';
import { generateSigningKey } from '../../../server/usage/signing.js';
import { verifyPayload } from '../../../server/usage/signing.js';
import { checkpointPayload } from '../../../server/usage/checkpoint.js';
import type { StoredRecord } from '../../../server/usage/types.js';
import { openTempDb, sampleRecord, type TempDb } from './helpers.js';

describe('createUsageLog', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  it('commits concurrent appends in few transactions, each visible to another connection on resolve', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db, { maxBatch: 256, maxDelayMs: 2 });
    const other = new Database(t.file, { readonly: true });
    const byReq = other.prepare('SELECT seq FROM records WHERE request_id = ?');
    const seen: boolean[] = [];
    const appends = Array.from({ length: 1000 }, (_, i) =>
      log.append(sampleRecord(i)).then((seq) => {
        const row = byReq.get(`req-${i}`) as { seq: number } | undefined;
        seen.push(row?.seq === seq);
        return seq;
      }),
    );
    const seqs = await Promise.all(appends);
    other.close();
    expect(seen).toHaveLength(1000);
    expect(seen.every(Boolean)).toBe(true);
    expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(log.stats.records).toBe(1000);
    expect(log.stats.transactions).toBeGreaterThanOrEqual(4);
    expect(log.stats.transactions).toBeLessThanOrEqual(8);
    await log.close();
  });

  it('chains every record to the one before it', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    await Promise.all([0, 1, 2, 3].map((i) => log.append(sampleRecord(i))));
    await log.appendAdmin({ action: 'promote', actor: 'admin-token', model: 'bert', version: 2, detail: { to: 2, from: 1 } });
    await log.close();
    const rows = t.db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records ORDER BY seq`).all() as StoredRecord[];
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    let prev = ZERO_HASH;
    for (const { prevHash, hash, ...fields } of rows) {
      expect(prevHash).toBe(prev);
      expect(hash).toBe(hashRecord(prevHash, fields));
      prev = hash;
    }
    const admin = rows[4];
    expect(admin).toMatchObject({ kind: 'admin', action: 'promote', actor: 'admin-token', outcome: 'success', status: null });
    expect(admin.detail).toBe('{"from":1,"to":2}');
    const state = t.db.prepare('SELECT head_seq AS s, head_hash AS h FROM chain_state').get() as { s: number; h: string };
    expect(state).toEqual({ s: 5, h: prev });
  });

  it('chains batches of every size, rows inserted several per statement, checkpoints mid-batch', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key, checkpointEvery: 10, maxBatch: 256 });
    let n = 0;
    // One transaction per batch (appended in one turn): sizes around the rows per INSERT.
    for (const size of [1, 7, 8, 9, 16, 17, 23]) {
      await Promise.all(Array.from({ length: size }, () => log.append(sampleRecord(n++))));
    }
    await log.close();
    const rows = t.db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records ORDER BY seq`).all() as StoredRecord[];
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(rows.map((r) => r.requestId)).toEqual(Array.from({ length: n }, (_, i) => `req-${i}`));
    let prev = ZERO_HASH;
    for (const { prevHash, hash, ...fields } of rows) {
      expect(prevHash).toBe(prev);
      expect(hash).toBe(hashRecord(prevHash, fields));
      prev = hash;
    }
    const checkpoints = t.db.prepare('SELECT c.seq, c.hash = r.hash AS same FROM checkpoints c JOIN records r USING (seq) ORDER BY c.seq').all();
    // Every 10 records, then the head at close.
    expect(checkpoints).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 81].map((seq) => ({ seq, same: 1 })));
  });

  it('stores what it hashes: rounds latencies and replaces lone surrogates', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    await log.append(sampleRecord(1, { latencyUs: 12.6, reason: 'bad \uD800 input' }));
    await log.close();
    const row = t.db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records`).get() as StoredRecord;
    const { prevHash, hash, ...fields } = row;
    expect(row.latencyUs).toBe(13);
    expect(row.reason).toBe('bad \uFFFD input');
    expect(hashRecord(prevHash, fields)).toBe(hash);
  });

  it('rejects a malformed record without disturbing the others', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    const bad = log.append(sampleRecord(1, { status: Number.NaN }));
    const good = log.append(sampleRecord(2));
    await expect(bad).rejects.toThrow(/status/);
    await expect(good).resolves.toBe(1);
    await expect(log.appendAdmin({ action: 'register', actor: '' })).rejects.toThrow(/actor/);
    await log.close();
  });

  it('signs a checkpoint every N records and at close', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key, checkpointEvery: 10, maxBatch: 5 });
    await Promise.all(Array.from({ length: 23 }, (_, i) => log.append(sampleRecord(i))));
    const before = t.db.prepare('SELECT seq FROM checkpoints ORDER BY seq').all() as { seq: number }[];
    expect(before.map((c) => c.seq)).toEqual([10, 20]);
    await log.close();
    const all = t.db
      .prepare('SELECT c.seq, c.hash, c.time, c.signature, c.key_fingerprint AS fp, r.hash AS recordHash FROM checkpoints c JOIN records r USING (seq) ORDER BY c.seq')
      .all() as { seq: number; hash: string; time: number; signature: string; fp: string; recordHash: string }[];
    expect(all.map((c) => c.seq)).toEqual([10, 20, 23]);
    for (const c of all) {
      expect(c.hash).toBe(c.recordHash);
      expect(c.fp).toBe(key.fingerprint);
      expect(verifyPayload(key.publicKey, checkpointPayload(c.seq, c.hash, c.time), c.signature)).toBe(true);
    }
    await expect(log.append(sampleRecord(99))).rejects.toThrow(/closed/);
  });

  it('writes nothing when disabled', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db, { enabled: false });
    await expect(log.append(sampleRecord(1))).resolves.toBe(0);
    await expect(log.appendAdmin({ action: 'load', actor: 'system' })).resolves.toBe(0);
    await log.close();
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM records').get()).toEqual({ n: 0 });
  });

  it('counts as records only the journal entries it commits, not those another connection committed first', async () => {
    t = openTempDb();
    const entries = Array.from({ length: 5 }, (_, i) => ({ j: i + 1, r: inferenceFields(sampleRecord(i), 1_700_000_000_000) }));
    // The process before committed the first three entries, on its own connection.
    const earlier = new Database(t.file);
    const before = createUsageLog(earlier);
    await expect(before.appendJournaled(entries.slice(0, 3))).resolves.toEqual([1, 2, 3]);
    await before.close();
    earlier.close();
    const log = createUsageLog(t.db);
    // Handed the whole journal, it skips what is in already (seq 0) and commits the rest.
    await expect(log.appendJournaled(entries)).resolves.toEqual([0, 0, 0, 4, 5]);
    // Before, records read 5: the three skipped entries were counted as committed.
    expect(log.stats).toEqual({ transactions: 1, records: 2, checkpoints: 0 });
    await log.close();
    expect(t.db.prepare('SELECT request_id FROM records ORDER BY seq').pluck().all()).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
  });

  it('continues the chain across a restart', async () => {
    t = openTempDb();
    const first = createUsageLog(t.db);
    await first.append(sampleRecord(1));
    await first.close();
    const second = createUsageLog(t.db);
    await expect(second.append(sampleRecord(2))).resolves.toBe(2);
    await second.close();
    const rows = t.db.prepare('SELECT prev_hash AS p, hash AS h FROM records ORDER BY seq').all() as { p: string; h: string }[];
    expect(rows[1].p).toBe(rows[0].h);
  });
});
