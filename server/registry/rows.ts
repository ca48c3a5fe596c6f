import { badRequest } from '../base/errors.js';
import type { Signature } from '../protocol/tensor.js';
import type { ProcessingSpec } from '../processing/spec.js';
import { DEFAULT_SETTINGS, type VersionSettings } from './settings.js';
import type { ModelSummary } from './model-schemas.js';

// A registered version as the registry hands it out, the names it accepts, and how rows of its
// tables become those objects (registry.ts runs the statements).

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
  /** Pre- and post-processing (server/processing/), set once; null for a plain tensor model. */
  processing: ProcessingSpec | null;
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

export interface VersionRow {
  name: string; version: number; sha256: string; size: number; created_at: number;
  description: string; signature: string; metadata: string; tags: string; settings: string; processing: string | null;
}

export const toVersion = (r: VersionRow): ModelVersion => ({
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
  processing: r.processing === null ? null : JSON.parse(r.processing) as ProcessingSpec,
});

export interface ModelRow { name: string; created_at: number; versions: string; aliases: string }

// Each model's versions and aliases as JSON built by SQLite: one statement for any number of models.
export const MODEL_SELECT = `SELECT m.name, m.created_at,
  (SELECT json_group_array(v.version ORDER BY v.version) FROM versions v WHERE v.model_id = m.id) AS versions,
  (SELECT json_group_object(a.alias, a.version ORDER BY a.alias) FROM aliases a WHERE a.model_id = m.id) AS aliases
  FROM models m`;

export const toModel = (r: ModelRow): ModelSummary => ({
  name: r.name,
  createdAt: r.created_at,
  versions: JSON.parse(r.versions) as number[],
  aliases: JSON.parse(r.aliases) as Record<string, number>,
});

export const VERSION_COLS = `m.name, v.version, v.sha256, v.size, v.created_at, v.description, v.signature, v.metadata, v.tags, v.settings, v.processing`;

