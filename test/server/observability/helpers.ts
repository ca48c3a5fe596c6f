import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../../server/db/database.js';

/** A fully migrated Hearth database in a fresh temp dir, and a clock the test moves by hand. */
export function tempDb(): { dir: string; file: string; db: Db; reopen: () => Db; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'hearth-obs-'));
  const file = join(dir, 'hearth.db');
  const opened: Db[] = [openDatabase(file)];
  return {
    dir, file, db: opened[0],
    reopen() {
      const db = openDatabase(file);
      opened.push(db);
      return db;
    },
    cleanup() {
      for (const db of opened) if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function manualClock(start: number): { now: () => number; set: (t: number) => void; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, set: (v) => { t = v; }, advance: (ms) => { t += ms; } };
}
