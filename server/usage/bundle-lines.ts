import { LINE_KEYS, LINE_KEYS_1 } from './bundle-format.js';
import { isCanonicalText } from './canonical.js';
import { HEX128, HEX64 } from './hash.js';

// How one line of an audit bundle must look, before anything it says is checked (verify-bundle.ts).

const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The line's JSON object, or why it is not one in canonical form. */
export function parseLine(bytes: Buffer): Record<string, unknown> | string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return 'the line is not valid UTF-8';
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'the line is not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'the line is not a JSON object';
  // Every byte must matter: only the one canonical spelling of a value is accepted.
  if (!isCanonicalText(value, text)) return 'the line is not in canonical form (sorted keys, no spaces)';
  return value as Record<string, unknown>;
}

export function checkKeys(value: Record<string, unknown>, expected: readonly string[]): string | null {
  const keys = Object.keys(value);
  if (keys.length === expected.length && keys.every((k, i) => k === SORTED_KEYS.get(expected)?.[i])) return null;
  const missing = expected.filter((k) => !keys.includes(k));
  const extra = keys.filter((k) => !expected.includes(k));
  if (missing.length > 0) return `missing ${missing.join(', ')}`;
  if (extra.length > 0) return `unexpected ${extra.join(', ')}`;
  return null;
}

// A canonical line's keys come sorted, so the usual check is one comparison per key.
const SORTED_KEYS = new Map<readonly string[], string[]>(
  [...Object.values(LINE_KEYS), ...Object.values(LINE_KEYS_1)].map((keys) => [keys, [...keys].sort()]),
);

const TEXT_FIELDS = ['requestId', 'client', 'keyId', 'model', 'outcome', 'reason', 'action', 'actor', 'detail'] as const;
const INT_FIELDS = ['version', 'status', 'latencyUs', 'batchSize', 'bytesIn', 'bytesOut'] as const;

export function recordShapeProblem(r: Record<string, unknown>): string | null {
  if (!isInt(r.seq) || r.seq < 1) return 'seq must be a positive integer';
  if (r.kind !== 'inference' && r.kind !== 'admin') return 'kind must be "inference" or "admin"';
  if (!isInt(r.time)) return 'time must be an integer';
  for (const f of TEXT_FIELDS) if (r[f] !== null && typeof r[f] !== 'string') return `${f} must be a string or null`;
  for (const f of INT_FIELDS) if (!isNullableInt(r[f])) return `${f} must be an integer or null`;
  if (!isHash(r.prevHash) || !isHash(r.hash)) return 'prevHash and hash must be 64 lowercase hex digits';
  return null;
}

export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

export function isNullableInt(value: unknown): value is number | null {
  return value === null || isInt(value);
}

export function isHash(value: unknown): value is string {
  return typeof value === 'string' && HEX64.test(value);
}

export function isSignature(value: unknown): value is string {
  return typeof value === 'string' && HEX128.test(value);
}
