import { Value } from '@sinclair/typebox/value';
import { prepared, type Db } from '../db/database.js';
import { RolloutGuardSchema, type RolloutGuardSettings } from './rollout-guard-schemas.js';

/** Each model's rollout guard, as the `rollout-guard:NAME` row of `settings`. */
const key = (model: string) => `rollout-guard:${model}`;

/** The model's guard; null when it has none, or one this code cannot read. */
export function readGuardSettings(db: Db, model: string): RolloutGuardSettings | null {
  const row = prepared(db, 'SELECT value FROM settings WHERE key = ?').get(key(model)) as { value: string } | undefined;
  if (!row) return null;
  try {
    const value: unknown = JSON.parse(row.value);
    return Value.Check(RolloutGuardSchema, value) ? value : null;
  } catch {
    return null;
  }
}

export function writeGuardSettings(db: Db, model: string, settings: RolloutGuardSettings): void {
  prepared(db, 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value')
    .run(key(model), JSON.stringify(settings));
}

/** True when the model had a guard. */
export function deleteGuardSettings(db: Db, model: string): boolean {
  return prepared(db, 'DELETE FROM settings WHERE key = ?').run(key(model)).changes > 0;
}
