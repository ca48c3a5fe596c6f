import { promises as fs } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { badRequest } from '../base/errors.js';
import { errorMessage } from '../base/message.js';
import { SCOPES, type Scope } from './scopes.js';

/**
 * One entry of a keys file (`--keys-file`): a key's hash, never the key. Closed, so a misspelt
 * field ("scope") is refused rather than silently giving a key other rights than meant.
 */
const EntrySchema = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' }),
  name: Type.String({ minLength: 1, maxLength: 128 }),
  sha256: Type.String({ pattern: '^[0-9a-fA-F]{64}$' }),
  scopes: Type.Array(Type.Union(SCOPES.map((s) => Type.Literal(s))), { minItems: 1 }),
  models: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })])),
  expiresAt: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0 }), Type.String({ minLength: 1 })])),
}, { additionalProperties: false });

/** A key supplied by the keys file, as the key store holds it. */
export interface FileKey {
  id: string;
  name: string;
  hash: string;
  scopes: Scope[];
  models: string[] | null;
  expiresAt: number | null;
}

const HINTS: Record<string, string> = {
  sha256: 'the SHA-256 of the key as 64 hex digits ("hearth key hash" prints it)',
  scopes: `a non-empty list of ${SCOPES.join(', ')}`,
  id: '1 to 64 letters, digits, ".", "_" or "-"',
  name: '1 to 128 characters',
  models: 'null or a non-empty list of model names',
  expiresAt: 'null, ms since 1970, or an ISO 8601 date such as 2027-01-31',
};

function entryProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'is not an object with id, name, sha256 and scopes';
  // A misspelt field first: it is why the right one looks missing.
  const extra = Object.keys(value).find((k) => !(k in EntrySchema.properties));
  if (extra !== undefined) return `has the unknown field "${extra}" (the fields are ${Object.keys(EntrySchema.properties).join(', ')})`;
  const first = [...Value.Errors(EntrySchema, value)][0];
  if (!first) return null;
  const field = first.path.split('/')[1] ?? '';
  return `"${field}" must be ${HINTS[field] ?? first.message}`;
}

/**
 * Checks a keys file's text: a JSON list of `{ id, name, sha256, scopes, models?, expiresAt? }`.
 * Throws a HearthError ('invalid') that names the entry and the field at fault.
 */
export function parseKeysFile(text: string): FileKey[] {
  let value: unknown;
  try { value = JSON.parse(text); } catch (err) {
    throw badRequest(`it is not JSON (${errorMessage(err)})`);
  }
  if (!Array.isArray(value)) throw badRequest('it must be a JSON list of keys, [{ "id", "name", "sha256", "scopes" }, …]');
  const keys: FileKey[] = [];
  const ids = new Set<string>();
  const hashes = new Set<string>();
  for (const [i, entry] of (value as unknown[]).entries()) {
    const e = entry as { id?: unknown; name?: unknown };
    const label = `entry ${i + 1}${typeof e?.name === 'string' ? ` ("${e.name}")` : ''}`;
    const problem = entryProblem(entry);
    if (problem) throw badRequest(`${label} ${problem}`);
    const ok = entry as { id: string; name: string; sha256: string; scopes: Scope[]; models?: string[] | null; expiresAt?: number | string | null };
    let expiresAt: number | null = null;
    if (typeof ok.expiresAt === 'string') {
      expiresAt = Date.parse(ok.expiresAt);
      if (Number.isNaN(expiresAt)) throw badRequest(`${label}: "expiresAt" must be ${HINTS.expiresAt}`);
    } else if (typeof ok.expiresAt === 'number') expiresAt = ok.expiresAt;
    const hash = ok.sha256.toLowerCase();
    if (ids.has(ok.id)) throw badRequest(`${label} repeats the id "${ok.id}"`);
    if (hashes.has(hash)) throw badRequest(`${label} has the same sha256 as an earlier entry (one key, two entries)`);
    ids.add(ok.id);
    hashes.add(hash);
    keys.push({ id: ok.id, name: ok.name, hash, scopes: [...new Set(ok.scopes)], models: ok.models ?? null, expiresAt });
  }
  return keys;
}

/** Reads and checks the keys file; the error names the file and what is wrong with it. */
export async function readKeysFile(file: string): Promise<FileKey[]> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw badRequest(`The keys file ${file} cannot be read: ${errorMessage(err)}`);
  }
  try {
    return parseKeysFile(text);
  } catch (err) {
    throw badRequest(`The keys file ${file} is not valid: ${errorMessage(err)}.`);
  }
}
