import { prepared, type Db } from '../db/database.js';
import { conflict, notFound, badRequest } from '../base/errors.js';
import type { Signature } from '../protocol/tensor.js';
import type { ProcessingSpec } from '../processing/spec.js';
import type { VersionSettings, VersionSettingsPatch } from './settings.js';
import {
  checkAliasName, checkModelName, MODEL_SELECT, toModel, toVersion, VERSION_COLS, type ModelRow, type ModelVersion, type VersionRow,
} from './rows.js';
import type { AliasChange, ModelSummary } from './model-schemas.js';

export type { AliasChange, ModelSummary } from './model-schemas.js';
export { checkAliasName, checkModelName, type ModelVersion } from './rows.js';

/** The model registry: models, immutable numbered versions, aliases and their history. */
/** Per database, so every Registry over the same connection sees the others' writes. */
const memos = new WeakMap<Db, Map<string, unknown>>();

export class Registry {
  /** Answers to the per-request lookups, dropped on every write: this process is the only writer. */
  private readonly memo: Map<string, unknown>;

  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {
    let memo = memos.get(db);
    if (!memo) { memo = new Map(); memos.set(db, memo); }
    this.memo = memo;
  }

  /**
   * Remembers only answers that name something registered, so the memo is as small as the
   * registry: a client asking for 30,000 made-up names must not grow it (misses cost one indexed
   * SELECT each, a few µs).
   */
  private remember<T>(key: string, compute: () => T | undefined): T | undefined {
    const hit = this.memo.get(key) as T | undefined;
    if (hit !== undefined) return hit;
    const value = compute();
    if (value !== undefined) this.memo.set(key, value);
    return value;
  }

  /** How many lookups are remembered (for tests and diagnostics). */
  get rememberedLookups(): number {
    return this.memo.size;
  }

  /** Drops cached lookups; every method that writes calls it. */
  invalidate(): void {
    this.memo.clear();
  }

  /** Every model with its version numbers and aliases, in one statement however many there are. */
  listModels(): ModelSummary[] {
    return (prepared(this.db, `${MODEL_SELECT} ORDER BY m.name`).all() as ModelRow[]).map(toModel);
  }

  /** One statement, then remembered until the next write: describing each version asks for its model's aliases. */
  getModel(name: string): ModelSummary {
    const m = this.remember(`g\u0000${name}`, () => {
      const row = prepared(this.db, `${MODEL_SELECT} WHERE m.name = ?`).get(name) as ModelRow | undefined;
      return row && toModel(row);
    });
    if (!m) throw notFound(`There is no model named "${name}".`);
    return m;
  }

  hasModel(name: string): boolean {
    return this.remember(`m\u0000${name}`, () => this.readHasModel(name) || undefined) ?? false;
  }

  private readHasModel(name: string): boolean {
    return prepared(this.db, 'SELECT 1 FROM models WHERE name = ?').get(name) !== undefined;
  }

  listVersions(name: string): ModelVersion[] {
    const rows = prepared(this.db, 
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? ORDER BY v.version`,
    ).all(name) as VersionRow[];
    return rows.map(toVersion);
  }

  allVersions(): ModelVersion[] {
    const rows = prepared(this.db, 
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id ORDER BY m.name, v.version`,
    ).all() as VersionRow[];
    return rows.map(toVersion);
  }

  getVersion(name: string, version: number): ModelVersion {
    const cached = this.memo.get(`v\u0000${name}\u0000${version}`) as ModelVersion | undefined;
    if (cached) return cached;
    const row = prepared(this.db, 
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.version = ?`,
    ).get(name, version) as VersionRow | undefined;
    if (!row) {
      if (!this.hasModel(name)) throw notFound(`There is no model named "${name}".`);
      throw notFound(`Model "${name}" has no version ${version}.`);
    }
    const v = toVersion(row);
    this.memo.set(`v\u0000${name}\u0000${version}`, v);
    return v;
  }

  findBySha(name: string, sha256: string): ModelVersion | undefined {
    const row = prepared(this.db, 
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.sha256 = ?`,
    ).get(name, sha256) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** The version an unversioned URL serves: the `production` alias, else the newest version. */
  resolveDefault(name: string): number {
    const v = this.remember(`d\u0000${name}`, () => this.readAlias(name, 'production') ?? this.readMaxVersion(name));
    if (v === undefined) {
      if (!this.hasModel(name)) throw notFound(`There is no model named "${name}".`);
      throw notFound(`Model "${name}" has no versions.`);
    }
    return v;
  }

  private readMaxVersion(name: string): number | undefined {
    const row = prepared(this.db,
      'SELECT MAX(v.version) AS v FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?',
    ).get(name) as { v: number | null };
    return row.v ?? undefined;
  }

  /** Resolves a version reference: a number, an alias name, or undefined for the default. */
  resolve(name: string, ref?: string): number {
    if (ref === undefined || ref === '') return this.resolveDefault(name);
    if (/^[0-9]+$/.test(ref)) {
      const v = Number(ref);
      this.getVersion(name, v);
      return v;
    }
    const v = this.aliasVersion(name, ref);
    if (v === undefined) {
      if (!this.hasModel(name)) throw notFound(`There is no model named "${name}".`);
      throw notFound(`Model "${name}" has no version or alias "${ref}".`);
    }
    return v;
  }

  aliasVersion(name: string, alias: string): number | undefined {
    return this.remember(`a\u0000${name}\u0000${alias}`, () => this.readAlias(name, alias));
  }

  /** The aliases that point at a version (read when a version is loaded, not per request). */
  aliasesOf(name: string, version: number): string[] {
    const rows = prepared(this.db,
      'SELECT a.alias FROM aliases a JOIN models m ON m.id = a.model_id WHERE m.name = ? AND a.version = ? ORDER BY a.alias',
    ).all(name, version) as { alias: string }[];
    return rows.map((r) => r.alias);
  }

  private readAlias(name: string, alias: string): number | undefined {
    const row = prepared(this.db, 
      'SELECT a.version FROM aliases a JOIN models m ON m.id = a.model_id WHERE m.name = ? AND a.alias = ?',
    ).get(name, alias) as { version: number } | undefined;
    return row?.version;
  }

  /** Adds a version; the caller has already validated the file and committed its blob. */
  addVersion(input: {
    name: string; sha256: string; size: number; description: string; signature: Signature;
    metadata?: Record<string, unknown>; tags?: string[]; settings?: Partial<VersionSettings>;
    processing?: ProcessingSpec | null;
    /**
     * A given number, free in this model: a follower mirroring a leader whose numbers have gaps, or a
     * Triton import keeping its numbers. Otherwise the next number is taken.
     */
    version?: number;
  }): ModelVersion {
    checkModelName(input.name);
    if (input.version !== undefined && (!Number.isInteger(input.version) || input.version < 1)) {
      throw badRequest(`A version number is a whole number from 1; got ${input.version}.`);
    }
    const tx = this.db.transaction(() => {
      const now = this.now();
      prepared(this.db, 'INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(input.name, now);
      const { id } = prepared(this.db, 'SELECT id FROM models WHERE name = ?').get(input.name) as { id: number };
      let { next } = prepared(this.db, 'SELECT COALESCE(MAX(version), 0) + 1 AS next FROM versions WHERE model_id = ?')
        .get(id) as { next: number };
      if (input.version !== undefined) {
        if (prepared(this.db, 'SELECT 1 FROM versions WHERE model_id = ? AND version = ?').get(id, input.version) !== undefined) {
          throw conflict(`Model "${input.name}" already has a version ${input.version}.`);
        }
        next = input.version;
      }
      prepared(this.db, 
        `INSERT INTO versions (model_id, version, sha256, size, created_at, description, signature, metadata, tags, settings, processing)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, next, input.sha256, input.size, now, input.description, JSON.stringify(input.signature),
        JSON.stringify(input.metadata ?? {}), JSON.stringify(input.tags ?? []), JSON.stringify(input.settings ?? {}),
        input.processing ? JSON.stringify(input.processing) : null);
      return next;
    });
    this.invalidate();
    let version: number;
    try { version = tx.immediate(); } finally { this.invalidate(); }
    return this.getVersion(input.name, version);
  }

  updateSettings(name: string, version: number, patch: VersionSettingsPatch): ModelVersion {
    const current = this.getVersion(name, version);
    const merged = { ...current.settings, ...patch };
    prepared(this.db, 
      'UPDATE versions SET settings = ? WHERE version = ? AND model_id = (SELECT id FROM models WHERE name = ?)',
    ).run(JSON.stringify(merged), version, name);
    this.invalidate();
    return this.getVersion(name, version);
  }

  /** Points an alias at a version and records the change in the alias history. */
  setAlias(name: string, alias: string, version: number, action: AliasChange['action'] = 'set', reason = ''): void {
    checkAliasName(alias);
    this.getVersion(name, version);
    this.db.transaction(() => {
      const now = this.now();
      const { id } = prepared(this.db, 'SELECT id FROM models WHERE name = ?').get(name) as { id: number };
      prepared(this.db, 
        `INSERT INTO aliases (model_id, alias, version, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(model_id, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
      ).run(id, alias, version, now);
      prepared(this.db, 
        'INSERT INTO alias_history (model_id, alias, version, action, reason, changed_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, alias, version, action, reason, now);
    }).immediate();
    this.invalidate();
  }

  deleteAlias(name: string, alias: string): void {
    const current = this.aliasVersion(name, alias);
    if (current === undefined) throw notFound(`Model "${name}" has no alias "${alias}".`);
    this.db.transaction(() => {
      const { id } = prepared(this.db, 'SELECT id FROM models WHERE name = ?').get(name) as { id: number };
      prepared(this.db, 'DELETE FROM aliases WHERE model_id = ? AND alias = ?').run(id, alias);
      prepared(this.db, 
        'INSERT INTO alias_history (model_id, alias, version, action, reason, changed_at) VALUES (?, ?, NULL, ?, ?, ?)',
      ).run(id, alias, 'delete', '', this.now());
    }).immediate();
    this.invalidate();
  }

  aliasHistory(name: string, alias?: string): AliasChange[] {
    const rows = prepared(this.db, 
      `SELECT h.alias, h.version, h.action, h.reason, h.changed_at FROM alias_history h JOIN models m ON m.id = h.model_id
       WHERE m.name = ? AND (? IS NULL OR h.alias = ?) ORDER BY h.id`,
    ).all(name, alias ?? null, alias ?? null) as
      { alias: string; version: number | null; action: AliasChange['action']; reason: string; changed_at: number }[];
    return rows.map((r) => ({ alias: r.alias, version: r.version, action: r.action, reason: r.reason, changedAt: r.changed_at }));
  }

  /**
   * Where an alias pointed before its current target: the history replayed as a stack, where
   * each set pushes and each rollback pops, so repeated rollbacks walk further back.
   */
  previousTarget(name: string, alias = 'production'): number | undefined {
    const stack: number[] = [];
    for (const change of this.aliasHistory(name, alias)) {
      if (change.action === 'delete') stack.length = 0;
      else if (change.action === 'rollback' || change.action === 'auto-rollback') stack.pop();
      else if (change.version !== null && stack[stack.length - 1] !== change.version) stack.push(change.version);
    }
    // Versions removed since cannot be rolled back to.
    const live = new Set(this.listVersions(name).map((v) => v.version));
    stack.pop();
    while (stack.length > 0 && !live.has(stack[stack.length - 1])) stack.pop();
    return stack[stack.length - 1];
  }

  rollbackTarget(name: string, alias = 'production'): number {
    this.getModel(name);
    const target = this.previousTarget(name, alias);
    if (target === undefined) {
      throw conflict(`Model "${name}" has no earlier "${alias}" version to roll back to.`);
    }
    return target;
  }

  /** Removes one version, or the whole model; returns the blobs no other version uses. */
  remove(name: string, version?: number): string[] {
    const m = prepared(this.db, 'SELECT id FROM models WHERE name = ?').get(name) as { id: number } | undefined;
    if (!m) throw notFound(`There is no model named "${name}".`);
    if (version !== undefined) this.getVersion(name, version);
    this.invalidate();
    try {
      return this.db.transaction(() => {
      const shas = (version === undefined
        ? prepared(this.db, 'SELECT sha256 FROM versions WHERE model_id = ?').all(m.id)
        : prepared(this.db, 'SELECT sha256 FROM versions WHERE model_id = ? AND version = ?').all(m.id, version)) as { sha256: string }[];
      if (version === undefined) {
        prepared(this.db, 'DELETE FROM models WHERE id = ?').run(m.id);
      } else {
        const pointing = prepared(this.db, 'SELECT alias FROM aliases WHERE model_id = ? AND version = ?').all(m.id, version) as { alias: string }[];
        if (pointing.length > 0) {
          throw conflict(`Version ${version} of "${name}" is the target of ${pointing.map((a) => `"${a.alias}"`).join(', ')}; move the alias first.`);
        }
        prepared(this.db, 'DELETE FROM versions WHERE model_id = ? AND version = ?').run(m.id, version);
      }
      const stillUsed = prepared(this.db, 'SELECT 1 FROM versions WHERE sha256 = ? LIMIT 1');
      return shas.map((s) => s.sha256).filter((sha) => stillUsed.get(sha) === undefined);
    }).immediate();
    } finally {
      this.invalidate();
    }
  }

  referencedBlobs(): Set<string> {
    const rows = prepared(this.db, 'SELECT DISTINCT sha256 FROM versions').all() as { sha256: string }[];
    return new Set(rows.map((r) => r.sha256));
  }
}
