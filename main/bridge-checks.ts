/**
 * Argument checks for the desktop bridge, run in main on every IPC call. The preload repeats the
 * same checks (it cannot import this file); test/main/bridge-checks.test.ts runs one table of
 * arguments against both copies so they cannot drift apart.
 */
import { EXPORT_KINDS, MAX_QUERY_VALUE_LENGTH, type ExportKind, type ExportQuery } from './api.js';

const USAGE_FILTERS = ['from', 'to', 'model', 'key'] as const;
const AUDIT_FILTERS = ['from', 'to'] as const;

export class BridgeArgumentError extends TypeError {
  override name = 'BridgeArgumentError';
}

export function parseExportKind(value: unknown): ExportKind {
  const kind = EXPORT_KINDS.find((k) => k === value);
  if (kind === undefined) {
    throw new BridgeArgumentError(`export kind must be one of ${EXPORT_KINDS.join(', ')}`);
  }
  return kind;
}

/** Accepts undefined (no filters) or a plain object of the filters `kind` allows. */
export function parseExportQuery(kind: ExportKind, value: unknown): ExportQuery {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BridgeArgumentError('export query must be an object');
  }
  const allowed: readonly string[] = kind === 'audit' ? AUDIT_FILTERS : USAGE_FILTERS;
  const query: ExportQuery = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!allowed.includes(name)) {
      throw new BridgeArgumentError(`${kind} export has no filter "${name}"; use ${allowed.join(', ')}`);
    }
    if (raw === undefined) continue;
    if (name === 'from' || name === 'to') {
      query[name] = parseTime(name, raw);
    } else if (name === 'model' || name === 'key') {
      query[name] = parseText(name, raw);
    }
  }
  return query;
}

function parseTime(name: string, raw: unknown): string | number {
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw new BridgeArgumentError(`${name} must be a finite number or a string`);
    return raw;
  }
  return parseText(name, raw);
}

function parseText(name: string, raw: unknown): string {
  if (typeof raw !== 'string') throw new BridgeArgumentError(`${name} must be a string`);
  if (raw.length > MAX_QUERY_VALUE_LENGTH) {
    throw new BridgeArgumentError(`${name} is longer than ${MAX_QUERY_VALUE_LENGTH} characters`);
  }
  return raw;
}

export function assertNoArguments(args: readonly unknown[]): void {
  if (args.length > 0) throw new BridgeArgumentError('this call takes no arguments');
}
