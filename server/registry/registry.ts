import type { Db } from '../db/database.js';
import { conflict, notFound, badRequest } from '../http/errors.js';
import type { Signature } from '../protocol/tensor.js';
import { DEFAULT_SETTINGS, type VersionSettings, type VersionSettingsPatch } from './settings.js';

export interface ModelVersion {
  name: string;
  version: number;
  sha256: string;
  size: number;
  createdAt: number;
  description: string;
  signature: Signature;
  metadata: Record<string, unknown>;
  tags: string[];
  settings: VersionSettings;
}

export interface ModelSummary {
  name: string;
  createdAt: number;
  versions: number[];
  aliases: Record<string, number>;
}

export interface AliasChange {
  alias: string;
  version: number | null;
  action: 'set' | 'rollback' | 'delete' | 'auto-rollback';
  reason: string;
  changedAt: number;
}

const NAME_RE = /^[A-Za-z0-9._-]{1,128}$/;

/** Throws a 400 that says what a valid model name is. */
export function checkModelName(name: string): void {
  if (name.length === 0) throw badRequest('The model name is empty.');
  if (name.length > 128) throw badRequest(`The model name is ${name.length} characters long; the limit is 128.`);
  if (!NAME_RE.test(name) || name === '.' || name === '..') {
    throw badRequest(`The model name "${name}" may hold only letters, digits, "-", "_" and "." (no spaces or slashes).`);
  }
}

export const checkAliasName = (alias: string): void => {
  if (!NAME_RE.test(alias) || /^[0-9]+$/.test(alias)) {
    throw badRequest(`The alias "${alias}" must be 1-128 letters, digits, "-", "_" or ".", and not a number.`);
  }
};

interface VersionRow {
  name: string; version: number; sha256: string; size: number; created_at: number;
  description: string; signature: string; metadata: string; tags: string; settings: string;
}

const toVersion = (r: VersionRow): ModelVersion => ({
  name: r.name,
  version: r.version,
  sha256: r.sha256,
  size: r.size,
  createdAt: r.created_at,
  description: r.description,
  signature: JSON.parse(r.signature) as Signature,
  metadata: JSON.parse(r.metadata) as Record<string, unknown>,
  tags: JSON.parse(r.tags) as string[],
  settings: { ...DEFAULT_SETTINGS, ...(JSON.parse(r.settings) as Partial<VersionSettings>) },
});

const VERSION_COLS = `m.name, v.version, v.sha256, v.size, v.created_at, v.description, v.signature, v.metadata, v.tags, v.settings`;

/** The model registry: models, immutable numbered versions, aliases and their history. */
export class Registry {
  constructor(private readonly db: Db, private readonly now: () => number = Date.now) {}

  listModels(): ModelSummary[] {
    const models = this.db.prepare('SELECT id, name, created_at FROM models ORDER BY name').all() as
      { id: number; name: string; created_at: number }[];
    const versions = this.db.prepare('SELECT version FROM versions WHERE model_id = ? ORDER BY version');
    const aliases = this.db.prepare('SELECT alias, version FROM aliases WHERE model_id = ? ORDER BY alias');
    return models.map((m) => ({
      name: m.name,
      createdAt: m.created_at,
      versions: (versions.all(m.id) as { version: number }[]).map((v) => v.version),
      aliases: Object.fromEntries((aliases.all(m.id) as { alias: string; version: number }[]).map((a) => [a.alias, a.version])),
    }));
  }

  getModel(name: string): ModelSummary {
    const m = this.listModels().find((x) => x.name === name);
    if (!m) throw notFound(`There is no model named "${name}".`);
    return m;
  }

  hasModel(name: string): boolean {
    return this.db.prepare('SELECT 1 FROM models WHERE name = ?').get(name) !== undefined;
  }

  listVersions(name: string): ModelVersion[] {
    const rows = this.db.prepare(
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? ORDER BY v.version`,
    ).all(name) as VersionRow[];
    return rows.map(toVersion);
  }

  allVersions(): ModelVersion[] {
    const rows = this.db.prepare(
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id ORDER BY m.name, v.version`,
    ).all() as VersionRow[];
    return rows.map(toVersion);
  }

  getVersion(name: string, version: number): ModelVersion {
    const row = this.db.prepare(
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.version = ?`,
    ).get(name, version) as VersionRow | undefined;
    if (!row) {
      if (!this.hasModel(name)) throw notFound(`There is no model named "${name}".`);
      throw notFound(`Model "${name}" has no version ${version}.`);
    }
    return toVersion(row);
  }

  findBySha(name: string, sha256: string): ModelVersion | undefined {
    const row = this.db.prepare(
      `SELECT ${VERSION_COLS} FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ? AND v.sha256 = ?`,
    ).get(name, sha256) as VersionRow | undefined;
    return row && toVersion(row);
  }

  /** The version an unversioned URL serves: the `production` alias, else the newest version. */
  resolveDefault(name: string): number {
    const alias = this.aliasVersion(name, 'production');
    if (alias !== undefined) return alias;
    const row = this.db.prepare(
      'SELECT MAX(v.version) AS v FROM versions v JOIN models m ON m.id = v.model_id WHERE m.name = ?',
    ).get(name) as { v: number | null };
    if (row.v === null) {
      if (!this.hasModel(name)) throw notFound(`There is no model named "${name}".`);
      throw notFound(`Model "${name}" has no versions.`);
    }
    return row.v;
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
    const row = this.db.prepare(
      'SELECT a.version FROM aliases a JOIN models m ON m.id = a.model_id WHERE m.name = ? AND a.alias = ?',
    ).get(name, alias) as { version: number } | undefined;
    return row?.version;
  }

  /** Adds a version; the caller has already validated the file and committed its blob. */
  addVersion(input: {
    name: string; sha256: string; size: number; description: string; signature: Signature;
    metadata?: Record<string, unknown>; tags?: string[]; settings?: Partial<VersionSettings>;
  }): ModelVersion {
    checkModelName(input.name);
    const tx = this.db.transaction(() => {
      const now = this.now();
      this.db.prepare('INSERT OR IGNORE INTO models (name, created_at) VALUES (?, ?)').run(input.name, now);
      const { id } = this.db.prepare('SELECT id FROM models WHERE name = ?').get(input.name) as { id: number };
      const { next } = this.db.prepare('SELECT COALESCE(MAX(version), 0) + 1 AS next FROM versions WHERE model_id = ?')
        .get(id) as { next: number };
      this.db.prepare(
        `INSERT INTO versions (model_id, version, sha256, size, created_at, description, signature, metadata, tags, settings)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(id, next, input.sha256, input.size, now, input.description, JSON.stringify(input.signature),
        JSON.stringify(input.metadata ?? {}), JSON.stringify(input.tags ?? []), JSON.stringify(input.settings ?? {}));
      return next;
    });
    const version = tx.immediate();
    return this.getVersion(input.name, version);
  }

  updateSettings(name: string, version: number, patch: VersionSettingsPatch): ModelVersion {
    const current = this.getVersion(name, version);
    const merged = { ...current.settings, ...patch };
    this.db.prepare(
      'UPDATE versions SET settings = ? WHERE version = ? AND model_id = (SELECT id FROM models WHERE name = ?)',
    ).run(JSON.stringify(merged), version, name);
    return this.getVersion(name, version);
  }

  /** Points an alias at a version and records the change in the alias history. */
  setAlias(name: string, alias: string, version: number, action: AliasChange['action'] = 'set', reason = ''): void {
    checkAliasName(alias);
    this.getVersion(name, version);
    this.db.transaction(() => {
      const now = this.now();
      const { id } = this.db.prepare('SELECT id FROM models WHERE name = ?').get(name) as { id: number };
      this.db.prepare(
        `INSERT INTO aliases (model_id, alias, version, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT(model_id, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
      ).run(id, alias, version, now);
      this.db.prepare(
        'INSERT INTO alias_history (model_id, alias, version, action, reason, changed_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, alias, version, action, reason, now);
    }).immediate();
  }

  deleteAlias(name: string, alias: string): void {
    const current = this.aliasVersion(name, alias);
    if (current === undefined) throw notFound(`Model "${name}" has no alias "${alias}".`);
    this.db.transaction(() => {
      const { id } = this.db.prepare('SELECT id FROM models WHERE name = ?').get(name) as { id: number };
      this.db.prepare('DELETE FROM aliases WHERE model_id = ? AND alias = ?').run(id, alias);
      this.db.prepare(
        'INSERT INTO alias_history (model_id, alias, version, action, reason, changed_at) VALUES (?, ?, NULL, ?, ?, ?)',
      ).run(id, alias, 'delete', '', this.now());
    }).immediate();
  }

  aliasHistory(name: string, alias?: string): AliasChange[] {
    const rows = this.db.prepare(
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
    const m = this.db.prepare('SELECT id FROM models WHERE name = ?').get(name) as { id: number } | undefined;
    if (!m) throw notFound(`There is no model named "${name}".`);
    if (version !== undefined) this.getVersion(name, version);
    return this.db.transaction(() => {
      const shas = (version === undefined
        ? this.db.prepare('SELECT sha256 FROM versions WHERE model_id = ?').all(m.id)
        : this.db.prepare('SELECT sha256 FROM versions WHERE model_id = ? AND version = ?').all(m.id, version)) as { sha256: string }[];
      if (version === undefined) {
        this.db.prepare('DELETE FROM models WHERE id = ?').run(m.id);
      } else {
        const pointing = this.db.prepare('SELECT alias FROM aliases WHERE model_id = ? AND version = ?').all(m.id, version) as { alias: string }[];
        if (pointing.length > 0) {
          throw conflict(`Version ${version} of "${name}" is the target of ${pointing.map((a) => `"${a.alias}"`).join(', ')}; move the alias first.`);
        }
        this.db.prepare('DELETE FROM versions WHERE model_id = ? AND version = ?').run(m.id, version);
      }
      const stillUsed = this.db.prepare('SELECT 1 FROM versions WHERE sha256 = ? LIMIT 1');
      return shas.map((s) => s.sha256).filter((sha) => stillUsed.get(sha) === undefined);
    }).immediate();
  }

  referencedBlobs(): Set<string> {
    const rows = this.db.prepare('SELECT DISTINCT sha256 FROM versions').all() as { sha256: string }[];
    return new Set(rows.map((r) => r.sha256));
  }
}
