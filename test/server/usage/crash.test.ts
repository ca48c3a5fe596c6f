import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { loadOrCreateSigningKey } from '../../../server/usage/signing.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { collect, openTempDb, type TempDb } from './helpers.js';
import { transpileUsageModule } from './transpile.js';

// Appends from 16 concurrent "requests" forever, printing each seq once its append resolved.
const CHILD = `
import Database from 'better-sqlite3';
import { createUsageLog, loadOrCreateSigningKey } from './usage/index.js';
const [file, dataDir] = process.argv.slice(2);
const db = new Database(file);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
const log = createUsageLog(db, { signer: loadOrCreateSigningKey(dataDir), checkpointEvery: 200 });
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

describe('a crash while appending', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  it('loses no acknowledged record and leaves an intact, verifiable chain', async () => {
    t = openTempDb();
    t.db.close();
    transpileUsageModule(join(t.dir, 'mod'));
    const script = join(t.dir, 'mod', 'child.mjs');
    writeFileSync(script, CHILD);

    const child = spawn(process.execPath, [script, t.file, t.dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    const exited = once(child, 'exit');
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        // Kill mid-stream, well past a few checkpoints.
        if (out.length > 30_000 && !child.killed) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`child exited on its own (${code}): ${err}`)));
    });
    const [, signal] = await exited;
    expect(signal).toBe('SIGKILL');

    // Only whole lines were surely printed after their append resolved.
    const acknowledged = out.split('\n').slice(0, -1).map(Number);
    expect(acknowledged.length).toBeGreaterThan(3000);

    const db = new Database(t.file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      const stored = new Set((db.prepare('SELECT seq FROM records').pluck().all() as number[]));
      const lost = acknowledged.filter((seq) => !stored.has(seq));
      expect(lost).toEqual([]);
      const max = Math.max(...stored);
      expect(stored.size).toBe(max);
      expect(db.prepare('SELECT head_seq FROM chain_state').pluck().get()).toBe(max);
      expect(db.prepare('SELECT COUNT(*) FROM checkpoints').pluck().get()).toBeGreaterThan(10);

      const key = loadOrCreateSigningKey(t.dir);
      const result = await verifyBundle(await collect(exportBundle(db, { signer: key })), { fingerprint: key.fingerprint });
      expect(result).toMatchObject({ ok: true, count: max, pinned: true });
    } finally {
      db.close();
    }
  });
});
