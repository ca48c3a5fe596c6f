import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../server/db/database.js';
import { AuditChainRefused } from '../../../server/usage/chain-guard.js';
import { CHECKPOINT_FILE } from '../../../server/usage/checkpoint-file.js';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { readJournal } from '../../../server/usage/journal.js';
import { createUsageLogWorker, type UsageLogWorker } from '../../../server/usage/log-worker.js';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE, type SigningKey } from '../../../server/usage/signing.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { runExtendsCommand, runVerifyCommand } from '../../../server/usage/verify-command.js';
import { deleteTail, rewriteRecord } from './attacks.js';
import { collect, sampleRecord } from './helpers.js';

// Every attack runs against a real data dir: the migrated hearth.db, the usage journal, the
// checkpoint file and the audit key, written by the real log thread (run `npm run build` first).
const EVERY = 10;
const EXPORTED_AT = Date.UTC(2026, 0, 2, 3, 4, 5);

describe('a database editor without the signing key', () => {
  let dir: string;
  let file: string;
  let journal: string;
  let checkpoints: string;
  let key: SigningKey;
  let log: UsageLogWorker | null = null;
  let written = 0;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-tamper-'));
    file = join(dir, 'hearth.db');
    journal = join(dir, 'usage-journal');
    checkpoints = join(dir, CHECKPOINT_FILE);
    openDatabase(file).close();
    key = loadOrCreateSigningKey(dir);
    written = 0;
  });
  afterEach(async () => {
    await log?.close();
    log = null;
    rmSync(dir, { recursive: true, force: true });
  });

  const start = (): UsageLogWorker => {
    log = createUsageLogWorker(file, { signer: key, checkpointEvery: EVERY, maxDelayMs: 0, journal: { file: journal }, checkpointFile: checkpoints });
    return log;
  };
  /** n requests as the HTTP layer records them: each is acknowledged once journaled. */
  const serve = async (n: number): Promise<void> => {
    const l = log ?? start();
    for (let i = 0; i < n; i += 1) {
      written += 1;
      const error = await new Promise<Error | null>((resolve) => l.record(sampleRecord(written), resolve));
      expect(error).toBeNull();
    }
    await l.flush();
  };
  const stop = async (): Promise<void> => {
    await log?.close();
    log = null;
  };
  const head = (): number => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare('SELECT head_seq FROM chain_state WHERE id = 1').pluck().get() as number;
    } finally {
      db.close();
    }
  };
  const exportTo = async (name: string): Promise<string> => {
    const db = new Database(file);
    try {
      const text = await collect(exportBundle(db, { signer: key, checkpointEvery: EVERY, checkpointFile: checkpoints, now: () => EXPORTED_AT }));
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    } finally {
      db.close();
    }
  };
  const unjournaled = (): number => {
    const db = new Database(file, { readonly: true });
    try {
      return readJournal(journal, db.prepare('SELECT journal_seq FROM chain_state WHERE id = 1').pluck().get() as number).length;
    } finally {
      db.close();
    }
  };

  it('rewrites record K, recomputes the chain, deletes the checkpoints: the server refuses to extend it and keeps new records journaled', async () => {
    await serve(35);
    await stop();
    rewriteRecord(file, 12, (r) => ({ ...r, client: '10.9.9.9', status: 200 }));

    await serve(5); // still acknowledged: inference never fails for this
    expect(log?.refused).toMatch(/history was rewritten/);
    expect(head()).toBe(35); // nothing chained onto the forged head
    expect(unjournaled()).toBe(5); // the new records wait in the journal, not lost
    await expect(exportTo('forged.jsonl')).rejects.toThrow(AuditChainRefused);
  });

  it('deletes the last records and moves the head back: the server refuses to extend it', async () => {
    await serve(35);
    await stop();
    deleteTail(file, 7);

    await serve(1);
    expect(log?.refused).toMatch(/removed from its end/);
    expect(head()).toBe(28);
    expect(unjournaled()).toBe(1);
    await expect(exportTo('cut.jsonl')).rejects.toThrow(AuditChainRefused);
  });

  it('rewrites record K and also deletes the checkpoint file: the bundle fails verification', async () => {
    await serve(35);
    await stop();
    rewriteRecord(file, 12, (r) => ({ ...r, client: '10.9.9.9' }));
    rmSync(checkpoints, { force: true });

    const bundle = await exportTo('forged.jsonl');
    const result = await verifyBundle(readFileText(bundle), { fingerprint: key.fingerprint });
    expect(result).toMatchObject({ ok: false, seq: 21 });
    expect(result.ok ? '' : result.reason).toMatch(/no checkpoint for more than 10 records/);
  });

  it('audit verify prints the export time, the time range and the sequence span', async () => {
    await serve(12);
    await stop();
    const out: string[] = [];
    expect(await runVerifyCommand(await exportTo('a.jsonl'), { fingerprint: key.fingerprint, print: (l) => out.push(l), printError: (l) => out.push(l) })).toBe(0);
    expect(out).toContain('Exported at: 2026-01-02T03:04:05.000Z');
    expect(out).toContain('Sequence: 1 to 12');
    expect(out).toContain(`Time range: ${new Date(sampleRecord(1).time as number).toISOString()} to ${new Date(sampleRecord(12).time as number).toISOString()}`);
    expect(out).toContain('Checkpoints: at least every 10 records after seq 0');
  });

  describe('--extends OLD NEW', () => {
    const run = async (older: string, newer: string): Promise<{ code: number; err: string[] }> => {
      const err: string[] = [];
      const code = await runExtendsCommand(older, newer, { fingerprint: key.fingerprint, print: () => {}, printError: (l) => err.push(l) });
      return { code, err };
    };

    it('passes for a true continuation', async () => {
      await serve(25);
      const older = await exportTo('old.jsonl');
      await serve(15);
      expect(await run(older, await exportTo('new.jsonl'))).toEqual({ code: 0, err: [] });
    });

    it('fails when the last records were removed (the checkpoint file deleted too, so NEW verifies alone)', async () => {
      await serve(25);
      await stop();
      const older = await exportTo('old.jsonl');
      deleteTail(file, 3);
      rmSync(checkpoints, { force: true });
      const newer = await exportTo('new.jsonl');
      expect((await verifyBundle(readFileText(newer))).ok).toBe(true);
      const { code, err } = await run(older, newer);
      expect(code).toBe(1);
      expect(err[0]).toMatch(/ends at seq 22, before the old one's last record 25: records were removed/);
    });

    it('fails when a record was changed (within the last checkpoint interval, so NEW verifies alone)', async () => {
      await serve(25);
      await stop();
      const older = await exportTo('old.jsonl');
      rewriteRecord(file, 24, (r) => ({ ...r, status: 500 }));
      rmSync(checkpoints, { force: true });
      const newer = await exportTo('new.jsonl');
      expect((await verifyBundle(readFileText(newer))).ok).toBe(true);
      const { code, err } = await run(older, newer);
      expect(code).toBe(1);
      expect(err[0]).toMatch(/record seq 25 differs/);
    });
  });

  it('a new signing key is an audit record, and the old key\'s checkpoints verify through the key history', async () => {
    await serve(15);
    await stop();
    const oldKey = key;
    unlinkSync(join(dir, SIGNING_KEY_FILE)); // the key was lost: the server makes a new one
    key = loadOrCreateSigningKey(dir);
    await serve(5);
    await stop();

    const result = await verifyBundle(readFileText(await exportTo('rotated.jsonl')), { fingerprint: key.fingerprint });
    expect(result).toMatchObject({
      ok: true,
      count: 21,
      earlierKeys: [oldKey.fingerprint],
      keyChanges: [{ seq: 16, from: oldKey.fingerprint, to: key.fingerprint }],
    });
  });
});

const readFileText = (path: string): string => readFileSync(path, 'utf8');
