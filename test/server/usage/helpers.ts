import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql as usageLog } from '../../../server/db/migrations/0002-usage-log.js';
import { sql as usageJournal } from '../../../server/db/migrations/0005-usage-journal.js';
import { sql as auditKeyHistory } from '../../../server/db/migrations/0006-audit-key-history.js';
import type { InferenceRecord } from '../../../server/usage/types.js';

export interface TempDb {
  dir: string;
  file: string;
  db: Database.Database;
  cleanup(): void;
}

/** A migrated usage database in a fresh temp dir (real file, WAL). */
export function openTempDb(prefix = 'hearth-usage-'): TempDb {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const file = join(dir, 'hearth.db');
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // The usage log's own migrations only: these tests need none of the registry's tables.
  db.exec(usageLog);
  db.exec(usageJournal);
  db.exec(auditKeyHistory);
  return {
    dir,
    file,
    db,
    cleanup() {
      if (db.open) db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function sampleRecord(i: number, overrides: Partial<InferenceRecord> = {}): InferenceRecord {
  return {
    time: 1_700_000_000_000 + i * 1000,
    requestId: `req-${i}`,
    client: '10.0.0.7',
    keyId: i % 2 === 0 ? 'key-a' : 'key-b',
    model: i % 3 === 0 ? 'resnet' : 'bert',
    version: 1 + (i % 2),
    outcome: 'success',
    status: 200,
    latencyUs: 1500 + i,
    batchSize: 1,
    bytesIn: 100 + i,
    bytesOut: 40,
    reason: null,
    ...overrides,
  };
}

export async function collect(chunks: AsyncIterable<string>): Promise<string> {
  let text = '';
  for await (const chunk of chunks) text += chunk;
  return text;
}
