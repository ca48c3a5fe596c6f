import Database from 'better-sqlite3';
import { MIGRATIONS } from './migrations/index.js';

export type Db = Database.Database;

export class DatabaseTooNewError extends Error {}

/**
 * Opens the SQLite database and applies pending migrations, each in its own transaction
 * that also sets `PRAGMA user_version`. A database written by newer code is refused.
 */
export function openDatabase(file: string, migrations: readonly string[] = MIGRATIONS): Db {
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL: in WAL mode a committed transaction survives a killed process (what the usage log promises);
    // only a power cut can lose the last commits. FULL fsyncs every commit and measured 2.6× slower at 64 connections.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const current = db.pragma('user_version', { simple: true }) as number;
    if (current > migrations.length) {
      throw new DatabaseTooNewError(
        `The database ${file} is at schema version ${current}, but this Hearth knows only up to ` +
          `${migrations.length}. It was written by a newer Hearth: upgrade Hearth, or point --data-dir elsewhere.`,
      );
    }
    for (let v = current; v < migrations.length; v++) {
      db.transaction(() => {
        db.exec(migrations[v]);
        db.pragma(`user_version = ${v + 1}`);
      }).immediate();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, prepared once per connection: preparing costs more than most queries. */
export function prepared(db: Db, sql: string): Database.Statement {
  let map = statements.get(db);
  if (!map) { map = new Map(); statements.set(db, map); }
  let stmt = map.get(sql);
  if (!stmt) { stmt = db.prepare(sql); map.set(sql, stmt); }
  return stmt;
}
