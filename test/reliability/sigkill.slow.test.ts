import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gatherModel, mlp, mulberry32 } from '../../scripts/onnx-builder.js';
import { verifyBundle } from '../../server/usage/index.js';
import { readJournal } from '../../server/usage/journal.js';
import { spawnServer, type ChildServer } from './child.js';
import { gatherInput, infer } from './helpers.js';

const ROUNDS = Number(process.env.HEARTH_KILL_ROUNDS ?? 8);
const random = mulberry32(Number(process.env.HEARTH_KILL_SEED ?? 4242));

interface Registered { name: string; version: number; sha256: string }

/** Every blob file under the store, by name (its sha256). */
function blobsOnDisk(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs', 'sha256');
  if (!existsSync(root)) return [];
  return readdirSync(root).flatMap((d) => readdirSync(path.join(root, d)));
}

/** What a killed server left behind, read straight from its files while it is down. */
/** The client's X-Request-Id, which the server records after its own id. */
const clientId = (requestId: string) => requestId.split(' ')[1] ?? requestId;

/** Request ids with a success record in the database. */
function committedAnswers(db: Database.Database): Set<string> {
  return new Set((db.prepare("SELECT request_id FROM records WHERE kind = 'inference' AND status = 200").all() as { request_id: string }[]).map((r) => clientId(r.request_id)));
}

function inspectDisk(dataDir: string, expected: ReadonlySet<string>) {
  const db = new Database(path.join(dataDir, 'hearth.db'));
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    const versions = db.prepare('SELECT m.name, v.version, v.sha256 FROM versions v JOIN models m ON m.id = v.model_id').all() as Registered[];
    const answered = committedAnswers(db);
    // Records not committed yet are in the usage journal, written before their answer left; the next start commits them.
    const committedJ = db.prepare('SELECT journal_seq FROM chain_state').pluck().get() as number;
    const journaled = new Set(readJournal(path.join(dataDir, 'usage-journal'), committedJ)
      .filter((e) => e.r.status === 200).map((e) => clientId(e.r.requestId ?? '')));
    const lastSeq = (db.prepare('SELECT MAX(seq) AS seq FROM records').get() as { seq: number | null }).seq;
    const find = db.prepare("SELECT seq, status, outcome, reason FROM records WHERE request_id LIKE '% ' || ?");
    // Answered requests without a success record, with whatever the log holds for them.
    const missing = [...expected].filter((id) => !answered.has(id) && !journaled.has(id)).map((id) => ({ id, stored: find.all(id), lastSeq }));
    return { integrity, versions, missing, journaled: journaled.size };
  } finally {
    db.close();
  }
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('SIGKILL at random moments, during inference and during registrations', () => {
  let dir: string | undefined;
  let child: ChildServer | undefined;
  afterAll(async () => {
    if (child && child.proc.exitCode === null && child.proc.signalCode === null) child.proc.kill('SIGKILL');
    await child?.exited;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it(`leaves an intact database, no half-registered version, a verifiable audit chain and a usage record for every answer (${ROUNDS} kills)`, async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'hearth-sigkill-'));
    const dataDir = dir;
    child = await spawnServer(dataDir);
    const upload = (server: ChildServer, name: string, bytes: Uint8Array) => server.admin(`/admin/v1/models/${name}/versions`, {
      method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: bytes,
    });
    expect((await upload(child, 'lookup', gatherModel({ tableSize: 8 }))).status).toBe(201);
    expect((await child.admin('/admin/v1/models/lookup/aliases/production', {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: 1 }),
    })).status).toBe(200);

    const answered = new Set<string>();
    const registered: Registered[] = [];
    let modelSeed = 1;
    let killedDuringUpload = 0;
    let orphansSeen = 0;
    let stagedSeen = 0;
    let journaledSeen = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const server: ChildServer = child;
      let running = true;
      let uploading = false;
      const clients = Array.from({ length: 3 }, async (_, c) => {
        for (let i = 0; running; i++) {
          const id = `r${round}-c${c}-${i}`;
          try {
            const a = await infer(server.url, 'lookup', gatherInput([i % 8, (i + c) % 8]), { headers: { 'x-request-id': id } });
            if (a.status === 200) answered.add(id);
          } catch {
            return; // the server is gone
          }
        }
      });
      // Registrations of ~2.5 MB models (and promotes) run back to back, so a kill often lands inside one.
      const registrar = (async () => {
        while (running) {
          const seed = modelSeed++;
          uploading = true;
          try {
            const res = await upload(server, 'big', mlp({ layers: [784, 768, 64, 10], seed }));
            if (res.status === 201) {
              const v = await res.json() as Registered;
              registered.push({ name: 'big', version: v.version, sha256: v.sha256 });
              await server.admin('/admin/v1/models/big/aliases/candidate', {
                method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ version: v.version }),
              });
            }
          } catch {
            return;
          } finally {
            uploading = false;
          }
        }
      })();

      await new Promise((r) => setTimeout(r, 300 + Math.floor(random() * 1700)));
      if (uploading) killedDuringUpload += 1;
      server.proc.kill('SIGKILL');
      expect(await server.exited).toBe('SIGKILL');
      running = false;
      await Promise.all([...clients, registrar]);

      // Straight from the files, before anything starts again.
      const disk = inspectDisk(dataDir, answered);
      expect(disk.integrity).toBe('ok');
      for (const r of registered) {
        expect(disk.versions).toContainEqual(r);
      }
      for (const v of disk.versions) {
        const file = path.join(dataDir, 'blobs', 'sha256', v.sha256.slice(0, 2), v.sha256);
        expect(existsSync(file), `blob of ${v.name} v${v.version}`).toBe(true);
        expect(sha256(file)).toBe(v.sha256);
      }
      expect(disk.missing, `round ${round}`).toEqual([]);

      const rows = new Set(disk.versions.map((v) => v.sha256));
      orphansSeen += blobsOnDisk(dataDir).filter((b) => !rows.has(b)).length;
      stagedSeen += readdirSync(path.join(dataDir, 'blobs', 'tmp')).length;

      // What a kill between a blob's rename and its row's commit leaves (a window too narrow for
      // random kills to hit often): a blob no row names, and a staged upload. Both must go at start.
      const fake = createHash('sha256').update(`orphan ${round}`).digest('hex');
      mkdirSync(path.join(dataDir, 'blobs', 'sha256', fake.slice(0, 2)), { recursive: true });
      writeFileSync(path.join(dataDir, 'blobs', 'sha256', fake.slice(0, 2), fake), `orphan ${round}`);
      writeFileSync(path.join(dataDir, 'blobs', 'tmp', `planted-${round}.part`), 'partial upload');

      // Restarted on the same directory: orphans from an interrupted registration are gone.
      child = await spawnServer(dataDir);
      const restarted = child;
      expect(new Set(blobsOnDisk(dataDir))).toEqual(new Set(disk.versions.map((v) => v.sha256)));
      expect(readdirSync(path.join(dataDir, 'blobs', 'tmp'))).toEqual([]);
      const bundle = await (await restarted.admin('/admin/v1/audit/export')).text();
      const verdict = await verifyBundle(bundle);
      expect(verdict, JSON.stringify(verdict)).toMatchObject({ ok: true });
      // The export committed what was pending, the killed process's journal included: every answer is in the database now.
      journaledSeen += disk.journaled;
      const db = new Database(path.join(dataDir, 'hearth.db'), { readonly: true });
      const committed = committedAnswers(db);
      db.close();
      expect([...answered].filter((id) => !committed.has(id)), `round ${round}, after the restart`).toEqual([]);
      expect((await infer(restarted.url, 'lookup', gatherInput([1]))).status).toBe(200);
    }
    // The kills really did land where they were meant to.
    expect(answered.size).toBeGreaterThan(ROUNDS * 10);
    expect(registered.length).toBeGreaterThan(0);
    // Some kills landed between a record's journal write and its commit, and the restart recovered them.
    expect(journaledSeen).toBeGreaterThan(0);
    console.log(`sigkill: ${ROUNDS} kills, ${answered.size} answered requests, ${registered.length} registrations, ${killedDuringUpload} kills during an upload, ` +
      `${orphansSeen} orphan blobs and ${stagedSeen} staged files found after a kill (all removed at restart), ` +
      `${journaledSeen} answered requests only in the journal at a kill (committed at restart)`);
  });
});
