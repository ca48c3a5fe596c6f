import { createHash } from 'node:crypto';
import { prepared, type Db } from '../db/database.js';
import { badRequest, conflict } from '../base/errors.js';
import type { ModelVersion, Registry } from '../registry/registry.js';
import { fitToModel } from './resolve.js';
import { requiredAssets, type ProcessingSpec } from './spec.js';

export interface AssetInfo { key: string; sha256: string; size: number; createdAt: number }

/** Largest asset: a tokenizer.json of a large vocabulary is a few MiB. */
export const MAX_ASSET_BYTES = 32 * 1024 * 1024;

const KEY_RE = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A version's processing spec and assets (labels, character lists, tokenizers). Both are written
 * once: a spec only on a version that has none, an asset only under a key the spec reads and that
 * is still empty. Changing either means registering a new version.
 */
export class ProcessingStore {
  constructor(private readonly db: Db, private readonly registry: Registry, private readonly now: () => number = Date.now) {}

  setSpec(v: ModelVersion, spec: ProcessingSpec): ModelVersion {
    if (v.processing) throw conflict(`Version ${v.version} of "${v.name}" already has its processing; it never changes. Register the file again as a new version with the new processing.`);
    const fitted = fitToModel(spec, v.signature);
    const changed = prepared(this.db,
      'UPDATE versions SET processing = ? WHERE version = ? AND processing IS NULL AND model_id = (SELECT id FROM models WHERE name = ?)',
    ).run(JSON.stringify(fitted), v.version, v.name).changes;
    this.registry.invalidate();
    if (changed !== 1) throw conflict(`Version ${v.version} of "${v.name}" already has its processing.`);
    return this.registry.getVersion(v.name, v.version);
  }

  putAsset(v: ModelVersion, key: string, content: Buffer): AssetInfo {
    if (!KEY_RE.test(key)) throw badRequest(`The asset key "${key}" may hold only letters, digits, ".", "_" and "-" (1-64).`);
    if (!v.processing) throw conflict(`Version ${v.version} of "${v.name}" has no processing; set it first (?processing=preset:NAME at upload).`);
    const wanted = requiredAssets(v.processing);
    if (!wanted.includes(key)) throw badRequest(`The processing of version ${v.version} reads ${wanted.length ? wanted.map((k) => `"${k}"`).join(', ') : 'no assets'}, not "${key}".`);
    if (content.length === 0) throw badRequest(`The asset "${key}" is empty.`);
    if (content.length > MAX_ASSET_BYTES) throw badRequest(`The asset "${key}" is ${content.length} bytes; the limit is ${MAX_ASSET_BYTES}.`);
    const sha256 = createHash('sha256').update(content).digest('hex');
    const createdAt = this.now();
    const info = prepared(this.db,
      `INSERT OR IGNORE INTO version_assets (model_id, version, key, sha256, size, content, created_at)
       SELECT id, ?, ?, ?, ?, ?, ? FROM models WHERE name = ?`,
    ).run(v.version, key, sha256, content.length, content, createdAt, v.name);
    if (info.changes !== 1) {
      const had = this.list(v).find((a) => a.key === key);
      if (had?.sha256 === sha256) return had;
      throw conflict(`Version ${v.version} of "${v.name}" already has the asset "${key}"; assets never change. Register a new version.`);
    }
    return { key, sha256, size: content.length, createdAt };
  }

  list(v: Pick<ModelVersion, 'name' | 'version'>): AssetInfo[] {
    return (prepared(this.db,
      `SELECT a.key, a.sha256, a.size, a.created_at AS createdAt FROM version_assets a JOIN models m ON m.id = a.model_id
       WHERE m.name = ? AND a.version = ? ORDER BY a.key`,
    ).all(v.name, v.version) as AssetInfo[]);
  }

  read(v: Pick<ModelVersion, 'name' | 'version'>, key: string): Buffer | undefined {
    const row = prepared(this.db,
      'SELECT a.content FROM version_assets a JOIN models m ON m.id = a.model_id WHERE m.name = ? AND a.version = ? AND a.key = ?',
    ).get(v.name, v.version, key) as { content: Buffer } | undefined;
    return row?.content;
  }

  /** The keys the spec reads that are not attached yet. */
  missing(v: ModelVersion): string[] {
    if (!v.processing) return [];
    const have = new Set(this.list(v).map((a) => a.key));
    return requiredAssets(v.processing).filter((k) => !have.has(k));
  }
}
