import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { journaledRecordProblem, journalLine, parseJournal, readJournal } from '../../../server/usage/journal.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { createUsageLogWorker, type UsageLogWorker } from '../../../server/usage/log-worker.js';
import { adminFields, hashRecord, inferenceFields, RECORD_SELECT } from '../../../server/usage/record.js';
import type { StoredRecord } from '../../../server/usage/types.js';
import { openTempDb, sampleRecord, type TempDb } from './helpers.js';

// The worker thread runs dist/server/usage/log-thread.js: `npx tsc -p tsconfig.json` first (npm test does).

/** Resolves once the record is durable (in the journal), as the /infer hook waits for it. */
const recorded = (log: UsageLogWorker, i: number) =>
  new Promise<void>((resolve, reject) => log.record(sampleRecord(i), (error) => (error ? reject(error) : resolve())));

/** The request ids of the stored records in seq order, after checking that every record chains to the one before. */
function chainedRequestIds(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records ORDER BY seq`).all() as StoredRecord[];
    let prev = '0'.repeat(64);
    rows.forEach(({ prevHash, hash, ...fields }, i) => {
      expect(fields.seq).toBe(i + 1);
      expect(prevHash).toBe(prev);
      expect(hash).toBe(hashRecord(prevHash, fields));
      prev = hash;
    });
    return rows.map((r) => r.requestId as string);
  } finally {
    db.close();
  }
}

/** The scheduling policies (field 41 of stat: 0 normal, 5 SCHED_IDLE) of this process's threads named hearth-usage. */
function usageThreadPolicies(): number[] {
  const out: number[] = [];
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      if (readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() !== 'hearth-usage') continue;
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      out.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]));
    } catch {
      // ended between the listing and the read
    }
  }
  return out;
}

/** Waits until this process's usage-log thread runs at SCHED_IDLE (log-thread.ts goes there once started). */
async function untilIdle(): Promise<void> {
  for (let i = 0; i < 100 && !usageThreadPolicies().includes(5); i++) await new Promise((r) => setTimeout(r, 50));
  expect(usageThreadPolicies()).toEqual([5]);
}

/** A busy loop per core (at most 16), at this process's priority, for at most 30 s; resolves once all of them spin. */
async function busyLoops(): Promise<ChildProcess[]> {
  const code = 'process.stdout.write("spinning\\n"); const end = Date.now() + 30000; while (Date.now() < end) {}';
  const loops = Array.from({ length: Math.min(availableParallelism(), 16) }, () => spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] }));
  await Promise.all(loops.map((loop) => once(loop.stdout!, 'data')));
  return loops;
}

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => `req-${from + k}`);

describe('the usage journal', () => {
  let t: TempDb;
  const logs: UsageLogWorker[] = [];
  let loops: ChildProcess[] = [];
  afterEach(async () => {
    for (const loop of loops.splice(0)) loop.kill();
    for (const log of logs.splice(0)) await log.close().catch(() => {});
    t.cleanup();
  });
  const open = (options: { truncateAtBytes?: number; holdAtBytes?: number; holdMaxMs?: number } = {}) => {
    const log = createUsageLogWorker(t.file, { journal: { file: join(t.dir, 'usage-journal'), ...options } });
    logs.push(log);
    return log;
  };

  it('keeps every acknowledged record when the log thread dies before committing it', async () => {
    t = openTempDb();
    // Another writer holds the lock, so the thread cannot commit what it is sent before it is killed.
    const blocker = new Database(t.file);
    blocker.exec('BEGIN IMMEDIATE');
    const log = open();
    const first = log.thread;
    await Promise.all(Array.from({ length: 50 }, (_, i) => recorded(log, i)));
    expect(readJournal(join(t.dir, 'usage-journal')).map((e) => e.r.requestId)).toEqual(ids(0, 50));
    // The moment the last landing lost a record: the thread is gone with records it was sent.
    const exited = once(first!, 'exit');
    void first!.terminate();
    await exited;
    blocker.exec('ROLLBACK');
    blocker.close();
    await Promise.all(Array.from({ length: 10 }, (_, i) => recorded(log, 50 + i)));
    await log.flush();
    expect(log.thread).not.toBe(first);
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 60));
  });

  it('commits at the next start what a killed process had journaled, once, and skips a torn last line', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    // What a process killed before its commits leaves behind: 20 written entries, and the start of
    // a 21st that a power cut tore.
    const entries = Array.from({ length: 20 }, (_, i) => journalLine(i + 1, inferenceFields(sampleRecord(i), 1_700_000_000_000)));
    writeFileSync(journal, `${entries.join('')}[21,"inference",17000`);

    const next = open();
    await Promise.all(Array.from({ length: 5 }, (_, i) => recorded(next, 20 + i)));
    await next.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 25));
    // The new entries start on a line of their own, after the torn one, so a later start reads them too.
    expect(readJournal(journal).map((e) => e.r.requestId)).toEqual(ids(0, 25));
  });

  it('counts as records only the entries its thread committed, not those another writer committed after the thread started', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    const entries = Array.from({ length: 5 }, (_, i) => ({ j: i + 1, r: inferenceFields(sampleRecord(i), 1_700_000_000_000) }));
    writeFileSync(journal, entries.map((e) => journalLine(e.j, e.r)).join(''));
    // Another writer holds the lock: the thread reads journal_seq 0 at its start and then waits to commit.
    const other = new Database(t.file);
    other.exec('BEGIN IMMEDIATE');
    const log = open();
    await new Promise((resolve) => log.thread!.once('message', resolve));
    // Meanwhile that writer commits the first three entries.
    await createUsageLog(other).appendJournaled(entries.slice(0, 3));
    other.exec('COMMIT');
    other.close();
    await log.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 5));
    // Before, records read 5: the three entries the thread skipped (seq 0) were counted.
    expect(log.stats.records).toBe(2);
  });

  it('empties the journal once all of it is committed, and numbers on from the database after a restart', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    const a = open({ truncateAtBytes: 1 });
    for (let wave = 0; wave < 3; wave++) {
      await Promise.all(Array.from({ length: 10 }, (_, i) => recorded(a, wave * 10 + i)));
      await a.flush();
    }
    await a.close();
    logs.splice(0);
    expect(statSync(journal).size).toBe(0);
    expect(new Database(t.file, { readonly: true }).prepare('SELECT journal_seq FROM chain_state').pluck().get()).toBe(30);

    const b = open({ truncateAtBytes: 1 });
    await Promise.all(Array.from({ length: 10 }, (_, i) => recorded(b, 30 + i)));
    expect(readFileSync(journal, 'utf8')).toMatch(/^\[31,"inference",/);
    await b.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 40));
  });

  it('empties the file under steady load, holding new lines while the log thread catches up, and commits each record once', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    // 40 waves of 100 records (~13 kB a wave), each durable before the next, never waiting for a
    // commit: something is always journaled and not committed, so the file never emptied itself.
    // A hold that runs out turns holds off for a minute; on a loaded machine the log thread's first
    // commit (its start included) can take longer than the default 250 ms, which is not what this tests.
    const log = open({ holdAtBytes: 20_000, holdMaxMs: 10_000 });
    let largest = 0;
    for (let wave = 0; wave < 40; wave++) {
      await Promise.all(Array.from({ length: 100 }, (_, i) => recorded(log, wave * 100 + i)));
      largest = Math.max(largest, statSync(journal).size);
    }
    // Before, 40 × 13 kB = 520 kB; now the file is emptied each time it passes 20 kB.
    expect(largest).toBeLessThan(60_000);
    await log.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 4000));
  });

  it('stops holding new lines when the log thread cannot commit, so responses go on', async () => {
    t = openTempDb();
    const blocker = new Database(t.file);
    blocker.exec('BEGIN IMMEDIATE');
    const log = open({ holdAtBytes: 5_000, holdMaxMs: 100 });
    const started = Date.now();
    for (let wave = 0; wave < 10; wave++) await Promise.all(Array.from({ length: 50 }, (_, i) => recorded(log, wave * 50 + i)));
    // One hold of 100 ms at most, then none for a minute: every record is durable all the same.
    expect(Date.now() - started).toBeLessThan(2000);
    expect(readJournal(join(t.dir, 'usage-journal')).map((e) => e.r.requestId)).toEqual(ids(0, 500));
    blocker.exec('ROLLBACK');
    blocker.close();
    await log.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 500));
  });

  it('replaces a log thread at idle priority that a machine without an idle core starves, and commits every record', async () => {
    t = openTempDb();
    const log = createUsageLogWorker(t.file, { journal: { file: join(t.dir, 'usage-journal') }, idleRescueMs: 300 });
    logs.push(log);
    const first = log.thread;
    await untilIdle();
    // A busy loop on every core, at the server's own priority: the idle thread gets almost no CPU.
    loops = await busyLoops();
    await Promise.all(Array.from({ length: 3000 }, (_, i) => recorded(log, i)));
    // Before, this waited for the starved thread (16 s here); now a thread at nice 10 takes over.
    await log.flush();
    expect(log.thread).not.toBe(first);
    expect(usageThreadPolicies()).toEqual([0]);
    for (const loop of loops.splice(0)) loop.kill();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 3000));
    // An admin action's record committed by whichever thread: its append resolves.
    await expect(log.appendAdmin({ action: 'key_created', actor: 'admin' })).resolves.toBeGreaterThan(0);
  }, 30_000);

  it('commits a journal left by a version that wrote entries as objects, and the lines written after it', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    // Versions before the positional lines wrote {"j":…,"r":{…}}; a process killed before an upgrade leaves those.
    const old = Array.from({ length: 10 }, (_, i) => JSON.stringify({ j: i + 1, r: inferenceFields(sampleRecord(i), 1_700_000_000_000) }));
    writeFileSync(journal, `${old.join('\n')}\n`);
    const next = open();
    await Promise.all(Array.from({ length: 5 }, (_, i) => recorded(next, 10 + i)));
    await next.flush();
    expect(chainedRequestIds(t.file)).toEqual(ids(0, 15));
    expect(readJournal(journal).map((e) => e.j)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
  });

  it('reads back every record as it was journaled, whatever its text holds', () => {
    const text = fc.oneof(fc.constant(null), fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('"', '\\', '\n', '\u2028', '\u0000', 'é\u{1F600}'));
    const count = fc.oneof(fc.constant(null), fc.integer(), fc.maxSafeInteger(), fc.constant(-0));
    fc.assert(fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), text, text, text, text, count, count, (j, requestId, client, model, reason, batchSize, latencyUs) => {
      const r = inferenceFields({ ...sampleRecord(1), requestId, client, model, reason, batchSize, latencyUs: latencyUs ?? 0 }, 1_700_000_000_000);
      const line = journalLine(j, r);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      // As the object lines before it read back: what JSON.stringify writes (-0 as 0, as the database stores it).
      expect(parseJournal(line)).toEqual([{ j, r: JSON.parse(JSON.stringify(r)) as unknown }]);
    }));
    const admin = adminFields({ action: 'promote', actor: 'admin', model: 'm', version: 2, client: null, detail: { from: 1, to: 2, note: 'a "b"\n' }, reason: null }, 1_700_000_000_000);
    expect(parseJournal(journalLine(7, admin))).toEqual([{ j: 7, r: admin }]);
  });

  it('skips a line of the wrong length or without an entry number, as it skips a torn one', () => {
    const good = journalLine(2, inferenceFields(sampleRecord(2), 1_700_000_000_000));
    const fields = JSON.parse(good) as unknown[];
    const lines = [
      JSON.stringify([1, ...fields.slice(1, -1)]),
      JSON.stringify(['1', ...fields.slice(1)]),
      JSON.stringify([1.5, ...fields.slice(1)]),
      JSON.stringify([1, ...fields.slice(1), 'extra']),
      good.trimEnd(),
    ];
    expect(parseJournal(`${lines.join('\n')}\n`).map((e) => e.j)).toEqual([2]);
  });

  it('refuses a record that does not validate, and journals nothing for it', async () => {
    t = openTempDb();
    const log = open();
    const error = await new Promise<Error | null>((resolve) => log.record({ ...sampleRecord(1), latencyUs: Number.NaN }, resolve));
    expect(error?.message).toMatch(/latencyUs must be a finite number/);
    await recorded(log, 2);
    await log.flush();
    expect(chainedRequestIds(t.file)).toEqual(['req-2']);
  });

  it('commits an edited line it cannot store as an admin record that holds its text, and every record after it', async () => {
    t = openTempDb();
    const journal = join(t.dir, 'usage-journal');
    const line = (j: number, i: number) => journalLine(j, inferenceFields(sampleRecord(i), 1_700_000_000_000));
    // [j, kind, time, requestId, …, status (9), …]: values the records table (STRICT) refuses.
    const edit = (j: number, at: number, value: unknown) => {
      const fields = JSON.parse(line(j, j)) as unknown[];
      fields[at] = value;
      return `${JSON.stringify(fields)}\n`;
    };
    const edited = [edit(2, 9, { x: 1 }), edit(3, 1, 'invoice'), edit(4, 2, null), edit(5, 3, 42), edit(6, 10, 1.5)];
    writeFileSync(journal, [line(1, 1), ...edited, line(7, 7)].join(''));
    // Before, the log thread failed on entry 2 at every start and committed nothing after it.
    const next = open();
    await Promise.all([8, 9].map((i) => recorded(next, i)));
    await next.flush();
    expect(chainedRequestIds(t.file)).toEqual(['req-1', null, null, null, null, null, 'req-7', 'req-8', 'req-9']);
    const db = new Database(t.file, { readonly: true });
    const refused = db.prepare("SELECT seq, actor, reason, detail FROM records WHERE action = 'usage_journal_entry_refused' ORDER BY seq").all() as
      { seq: number; actor: string; reason: string; detail: string }[];
    db.close();
    expect(refused.map((r) => r.reason)).toEqual([
      'status is not an integer', 'kind is neither "inference" nor "admin"', 'time is not an integer', 'requestId is neither text nor null',
      'latencyUs is not an integer',
    ]);
    refused.forEach((r, i) => {
      expect(r.actor).toBe('system');
      expect(JSON.parse(r.detail)).toEqual({ entry: i + 2, line: edited[i].trimEnd() });
    });
  });

  it('finds nothing wrong with a record the main thread validated, and reads a field an object line left out as null', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 1000 }), (i) => {
      expect(journaledRecordProblem(inferenceFields(sampleRecord(i), 1_700_000_000_000))).toBeUndefined();
    }));
    const r = inferenceFields(sampleRecord(3), 1_700_000_000_000);
    const { reason: _, ...withoutReason } = r;
    expect(parseJournal(`${JSON.stringify({ j: 1, r: withoutReason })}\n`)).toEqual([{ j: 1, r: { ...r, reason: null } }]);
  });
});
