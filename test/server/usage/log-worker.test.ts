import Database from 'better-sqlite3';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointPayload } from '../../../server/usage/checkpoint.js';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { createUsageLogWorker, UsageLogThreadError, type UsageLogWorker } from '../../../server/usage/log-worker.js';
import { hashRecord, RECORD_SELECT } from '../../../server/usage/record.js';
import { pruneBefore } from '../../../server/usage/retention.js';
import { ZERO_HASH } from '../../../server/usage/schema.js';
import { generateSigningKey, verifyPayload } from '../../../server/usage/signing.js';
import type { StoredRecord } from '../../../server/usage/types.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { collect, openTempDb, sampleRecord, type TempDb } from './helpers.js';

// The worker thread runs dist/server/usage/log-thread.js: `npx tsc -p tsconfig.json` first (npm test does).

function storedRows(db: Database.Database): StoredRecord[] {
  return db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records ORDER BY seq`).all() as StoredRecord[];
}

/** Every stored record chains to the one before, from chain_state's base to its head. */
function expectIntactChain(db: Database.Database): StoredRecord[] {
  const rows = storedRows(db);
  const state = db.prepare('SELECT base_seq AS baseSeq, base_hash AS baseHash, head_seq AS headSeq, head_hash AS headHash FROM chain_state').get() as {
    baseSeq: number; baseHash: string; headSeq: number; headHash: string;
  };
  let prev = state.baseHash;
  let seq = state.baseSeq;
  for (const { prevHash, hash, ...fields } of rows) {
    expect(fields.seq).toBe(seq + 1);
    expect(prevHash).toBe(prev);
    expect(hash).toBe(hashRecord(prevHash, fields));
    prev = hash;
    seq = fields.seq;
  }
  expect({ headSeq: state.headSeq, headHash: state.headHash }).toEqual({ headSeq: seq, headHash: prev });
  return rows;
}

describe('createUsageLogWorker', () => {
  let t: TempDb;
  let log: UsageLogWorker | null = null;
  afterEach(async () => {
    await log?.close().catch(() => {});
    log = null;
    t.cleanup();
  });

  it('commits concurrent appends in few transactions, each visible to another connection on resolve', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file, { maxBatch: 256, maxDelayMs: 2 });
    const other = new Database(t.file, { readonly: true });
    const byReq = other.prepare('SELECT seq FROM records WHERE request_id = ?');
    const seen: boolean[] = [];
    const appends = Array.from({ length: 1000 }, (_, i) =>
      log!.append(sampleRecord(i)).then((seq) => {
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
    // Appended in one turn: one message, split into maxBatch-sized transactions by the thread.
    expect(log.stats.records).toBe(1000);
    expect(log.stats.transactions).toBeGreaterThanOrEqual(4);
    expect(log.stats.transactions).toBeLessThanOrEqual(8);
    await log.close();
  });

  it('chains every record to the one before it, admin actions included', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file);
    await Promise.all([0, 1, 2, 3].map((i) => log!.append(sampleRecord(i))));
    await log.appendAdmin({ action: 'promote', actor: 'admin-token', model: 'bert', version: 2, detail: { to: 2, from: 1 } });
    await log.close();
    const rows = expectIntactChain(t.db);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0].prevHash).toBe(ZERO_HASH);
    expect(rows[4]).toMatchObject({ kind: 'admin', action: 'promote', actor: 'admin-token', outcome: 'success', status: null, detail: '{"from":1,"to":2}' });
    expect(rows[2]).toMatchObject({ kind: 'inference', requestId: 'req-2', latencyUs: 1502, bytesIn: 102, model: 'bert' });
  });

  it('stamps record times on the calling thread', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file, { now: () => 1_234_567 });
    await log.append(sampleRecord(1, { time: undefined }));
    await log.close();
    expect(storedRows(t.db)[0].time).toBe(1_234_567);
  });

  it('rejects a malformed record without disturbing the others', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file);
    const bad = log.append(sampleRecord(1, { status: Number.NaN }));
    const good = log.append(sampleRecord(2));
    await expect(bad).rejects.toThrow(/status/);
    await expect(good).resolves.toBe(1);
    await expect(log.appendAdmin({ action: 'register', actor: '' })).rejects.toThrow(/actor/);
    await log.close();
    expect(storedRows(t.db).map((r) => r.requestId)).toEqual(['req-2']);
  });

  it('signs a checkpoint every N records and at close, then refuses appends', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    log = createUsageLogWorker(t.file, { signer: key, checkpointEvery: 10, maxBatch: 5 });
    await Promise.all(Array.from({ length: 23 }, (_, i) => log!.append(sampleRecord(i))));
    const before = t.db.prepare('SELECT seq FROM checkpoints ORDER BY seq').all() as { seq: number }[];
    expect(before.map((c) => c.seq)).toEqual([10, 20]);
    await log.close();
    expect(log.thread).toBeNull();
    const all = t.db
      .prepare('SELECT c.seq, c.hash, c.time, c.signature, c.key_fingerprint AS fp, r.hash AS recordHash FROM checkpoints c JOIN records r USING (seq) ORDER BY c.seq')
      .all() as { seq: number; hash: string; time: number; signature: string; fp: string; recordHash: string }[];
    expect(all.map((c) => c.seq)).toEqual([10, 20, 23]);
    for (const c of all) {
      expect(c.hash).toBe(c.recordHash);
      expect(c.fp).toBe(key.fingerprint);
      expect(verifyPayload(key.publicKey, checkpointPayload(c.seq, c.hash, c.time), c.signature)).toBe(true);
    }
    expect(log.stats).toEqual({ transactions: 5, records: 23, checkpoints: 3 });
    await expect(log.append(sampleRecord(99))).rejects.toThrow(/closed/);
  });

  it('flush waits for everything appended before it', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file, { maxDelayMs: 50 });
    const seqs: number[] = [];
    for (let i = 0; i < 7; i++) void log.append(sampleRecord(i)).then((seq) => seqs.push(seq));
    await log.flush();
    expect(seqs).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(t.db.prepare('SELECT COUNT(*) FROM records').pluck().get()).toBe(7);
  });

  it('starts no thread and writes nothing when disabled', async () => {
    t = openTempDb();
    log = createUsageLogWorker(t.file, { enabled: false });
    expect(log.thread).toBeNull();
    await expect(log.append(sampleRecord(1))).resolves.toBe(0);
    await expect(log.appendAdmin({ action: 'load', actor: 'system' })).resolves.toBe(0);
    await log.flush();
    await log.close();
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM records').get()).toEqual({ n: 0 });
  });

  it('refuses an in-memory database, which its thread could not share', () => {
    t = openTempDb();
    expect(() => createUsageLogWorker(':memory:')).toThrow(/database file/);
  });

  it('continues the in-process log\'s chain, and the in-process log continues its', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const first = createUsageLog(t.db, { signer: key });
    await first.append(sampleRecord(1));
    await first.close();
    log = createUsageLogWorker(t.file, { signer: key });
    await expect(log.append(sampleRecord(2))).resolves.toBe(2);
    await log.close();
    const third = createUsageLog(t.db, { signer: key });
    await expect(third.append(sampleRecord(3))).resolves.toBe(3);
    await third.close();
    expectIntactChain(t.db);
    const result = await verifyBundle(await collect(exportBundle(t.db, { signer: key })), { fingerprint: key.fingerprint });
    expect(result).toMatchObject({ ok: true, count: 3 });
  });

  it('shares the database with pruning and exports on the main connection while appending', async () => {
    t = openTempDb();
    t.db.pragma('busy_timeout = 5000');
    const key = generateSigningKey();
    log = createUsageLogWorker(t.file, { signer: key, checkpointEvery: 50, maxBatch: 64 });
    const base = 1_700_000_000_000;
    let pruned = 0;
    for (let wave = 0; wave < 8; wave++) {
      const appends = Array.from({ length: 150 }, (_, i) => log!.append(sampleRecord(wave * 150 + i)));
      // Writes on the main connection while the thread is committing that wave.
      await new Promise((resolve) => setImmediate(resolve));
      pruned += pruneBefore(t.db, base + wave * 100_000).pruned;
      const bundle = await collect(exportBundle(t.db, { signer: key }));
      expect(await verifyBundle(bundle, { fingerprint: key.fingerprint })).toMatchObject({ ok: true });
      await Promise.all(appends);
    }
    await log.close();
    const rows = expectIntactChain(t.db);
    expect(pruned).toBeGreaterThan(0);
    expect(pruned + rows.length).toBe(1200);
    expect(rows.at(-1)?.seq).toBe(1200);
    const final = await verifyBundle(await collect(exportBundle(t.db, { signer: key })), { fingerprint: key.fingerprint });
    expect(final).toMatchObject({ ok: true, count: rows.length, firstSeq: pruned + 1 });
  });

  it('rejects the appends of a thread that died, and starts another for later appends', async () => {
    t = openTempDb();
    // Another writer holds the lock until the thread is gone, so it cannot commit what it was sent.
    const blocker = new Database(t.file);
    blocker.exec('BEGIN IMMEDIATE');
    log = createUsageLogWorker(t.file, { busyTimeoutMs: 500 });
    const first = log.thread;
    expect(first).not.toBeNull();
    const exited = once(first!, 'exit');
    const outcomes = Promise.allSettled(Array.from({ length: 5 }, (_, i) => log!.append(sampleRecord(i))));
    // One turn: the appends are sent; the thread waits for the lock (or has not read them yet).
    await new Promise((resolve) => setImmediate(resolve));
    void first!.terminate();
    await exited;
    blocker.exec('ROLLBACK');
    blocker.close();
    const settled = await outcomes;
    for (const s of settled) {
      expect(s.status).toBe('rejected');
      if (s.status === 'rejected') {
        expect(s.reason).toBeInstanceOf(UsageLogThreadError);
        expect(String(s.reason)).toMatch(/usage log's thread stopped/);
      }
    }
    expect(t.db.prepare('SELECT COUNT(*) FROM records').pluck().get()).toBe(0);

    await expect(log.append(sampleRecord(10))).resolves.toBe(1);
    expect(log.thread).not.toBeNull();
    expect(log.thread).not.toBe(first);
    await expect(log.appendAdmin({ action: 'load', actor: 'system' })).resolves.toBe(2);
    await log.close();
    expect(expectIntactChain(t.db).map((r) => r.requestId)).toEqual(['req-10', null]);
  });
});
