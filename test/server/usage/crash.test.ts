import Database from 'better-sqlite3';
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { loadOrCreateSigningKey } from '../../../server/usage/signing.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { collect, openTempDb, type TempDb } from './helpers.js';
import { transpileUsageModule } from './transpile.js';

const ROOT = resolve(import.meta.dirname, '../../..');

// Appends from 16 concurrent "requests" forever, printing each seq once its append resolved.
function childScript(create: string): string {
  return `
import Database from 'better-sqlite3';
import { createUsageLog, createUsageLogWorker, loadOrCreateSigningKey } from './usage/index.js';
const [file, dataDir] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const signer = loadOrCreateSigningKey(dataDir);
const log = ${create};
let n = 0;
async function client() {
  for (;;) {
    const i = n++;
    const seq = await log.append({ requestId: 'r' + i, client: '10.1.1.1', keyId: 'k', model: 'm', version: 1,
      outcome: 'success', status: 200, latencyUs: 900, batchSize: 1, bytesIn: 64, bytesOut: 16 });
    process.stdout.write(seq + '\\n');
  }
}
for (let c = 0; c < 16; c++) void client();
`;
}

interface Watched {
  /** Resolves with stdout so far once `ready` holds for it; rejects if the child exits first. */
  waitFor(ready: (out: string) => boolean): Promise<string>;
  /** SIGKILLs the child; resolves with its stdout once it is gone. */
  kill(): Promise<string>;
  /** SIGTERMs the child and waits for its clean exit. */
  stop(): Promise<void>;
}

function watch(child: ChildProcessByStdio<null, Readable, Readable>): Watched {
  let out = '';
  let err = '';
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  return {
    waitFor: (ready) =>
      new Promise<string>((resolve, reject) => {
        const onExit = (code: number | null): void => reject(new Error(`child exited on its own (${code}): ${err}`));
        const check = (): void => {
          if (!ready(out)) return;
          child.stdout.off('data', check);
          child.off('exit', onExit);
          resolve(out);
        };
        child.stdout.on('data', check);
        child.on('exit', onExit);
        check();
      }),
    async kill() {
      child.kill('SIGKILL');
      const [, signal] = await exited;
      expect(signal).toBe('SIGKILL');
      return out;
    },
    async stop() {
      child.kill('SIGTERM');
      const [code] = await exited;
      expect(code).toBe(0);
    },
  };
}

/** The file is intact, its chain has no gap and verifies, and returns the stored records' seqs and request ids. */
async function expectIntactLog(file: string, dataDir: string): Promise<{ seqs: Set<number>; requestIds: Set<string> }> {
  const db = new Database(file);
  try {
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    const seqs = new Set(db.prepare('SELECT seq FROM records').pluck().all() as number[]);
    const max = Math.max(...seqs);
    expect(seqs.size).toBe(max);
    expect(db.prepare('SELECT head_seq FROM chain_state').pluck().get()).toBe(max);
    const key = loadOrCreateSigningKey(dataDir);
    const result = await verifyBundle(await collect(exportBundle(db, { signer: key })), { fingerprint: key.fingerprint });
    expect(result).toMatchObject({ ok: true, count: max, pinned: true });
    const requestIds = new Set(
      // The server's own id, then the client's X-Request-Id: keep the client's.
      (db.prepare("SELECT request_id FROM records WHERE kind = 'inference' AND status = 200").pluck().all() as string[]).map((id) => id.split(' ')[1] ?? id),
    );
    return { seqs, requestIds };
  } finally {
    db.close();
  }
}

describe('a crash while appending', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  for (const [name, create] of [
    ['in process', 'createUsageLog(db, { signer, checkpointEvery: 200 })'],
    ['in a worker thread', 'createUsageLogWorker(file, { signer, checkpointEvery: 200 })'],
  ] as const) {
    it(`loses no acknowledged record and leaves an intact, verifiable chain (log ${name})`, async () => {
      t = openTempDb();
      t.db.close();
      transpileUsageModule(join(t.dir, 'mod'));
      const script = join(t.dir, 'mod', 'child.mjs');
      writeFileSync(script, childScript(create));

      const child = watch(spawn(process.execPath, [script, t.file, t.dir], { stdio: ['ignore', 'pipe', 'pipe'] }));
      // Kill mid-stream, well past a few checkpoints.
      await child.waitFor((text) => text.length > 30_000);
      const out = await child.kill();

      // Only whole lines were surely printed after their append resolved.
      const acknowledged = out.split('\n').slice(0, -1).map(Number);
      expect(acknowledged.length).toBeGreaterThan(3000);
      const { seqs } = await expectIntactLog(t.file, t.dir);
      expect(acknowledged.filter((seq) => !seqs.has(seq))).toEqual([]);
      const db = new Database(t.file, { readonly: true });
      expect(db.prepare('SELECT COUNT(*) FROM checkpoints').pluck().get()).toBeGreaterThan(10);
      db.close();
    });
  }

  it('a killed `hearth serve` has the record of every inference it answered', async () => {
    t = openTempDb();
    t.db.close();
    const dataDir = join(t.dir, 'data');
    const env = { ...process.env };
    delete env.HEARTH_ADMIN_TOKEN;
    const child = watch(spawn(
      process.execPath,
      [join(ROOT, 'bin', 'hearth.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent', '--workers', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    ));
    const banner = await child.waitFor((out) => /API:\s+http:\/\/\S+\/v2\s/.test(out));
    const api = /API:\s+(http:\/\/\S+\/v2)\s/.exec(banner)?.[1];
    const body = JSON.stringify({ inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: [5.1, 3.5, 1.4, 0.2] }] });
    const answered: string[] = [];
    let stopped = false;
    let enough = (): void => {};
    const reached = new Promise<void>((resolve) => (enough = resolve));
    // 16 clients, each sending its next request once the last was answered; every request id is unique.
    async function client(c: number): Promise<void> {
      for (let i = 0; !stopped; i++) {
        const id = `crash-${c}-${i}`;
        try {
          const res = await fetch(`${api}/models/iris/infer`, {
            method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': id }, body,
          });
          const text = await res.text();
          if (res.status !== 200) throw new Error(`infer answered ${res.status}: ${text}`);
          answered.push(id);
          if (answered.length >= 2000) enough();
        } catch (error) {
          if (!stopped) throw error;
        }
      }
    }
    const clients = Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    await Promise.race([reached, clients]);
    stopped = true;
    await child.kill();
    await clients;

    expect(answered.length).toBeGreaterThanOrEqual(2000);
    // Each record was in the usage journal before its answer left; the next start commits what
    // the killed process had not, before it serves.
    const journaled = readFileSync(join(dataDir, 'usage-journal'), 'utf8');
    expect(journaled.length).toBeGreaterThan(0);
    const again = watch(spawn(
      process.execPath,
      [join(ROOT, 'bin', 'hearth.js'), 'serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'silent', '--workers', '1'],
      { stdio: ['ignore', 'pipe', 'pipe'], env },
    ));
    await again.waitFor((out) => /API:\s+http:\/\/\S+\/v2\s/.test(out));
    await again.stop();
    const { requestIds } = await expectIntactLog(join(dataDir, 'hearth.db'), dataDir);
    expect(answered.filter((id) => !requestIds.has(id))).toEqual([]);
  });
});
