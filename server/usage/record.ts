import { canonicalJson } from './canonical.js';
import { sha256Hex } from './hash.js';
import type { AdminAction, InferenceRecord, RecordFields } from './types.js';

export type NewRecord = Omit<RecordFields, 'seq'>;

/** Field name -> column, in the order of the table; the hashed set of fields. */
export const RECORD_COLUMNS = {
  seq: 'seq',
  kind: 'kind',
  time: 'time',
  requestId: 'request_id',
  client: 'client',
  keyId: 'key_id',
  model: 'model',
  version: 'version',
  outcome: 'outcome',
  status: 'status',
  latencyUs: 'latency_us',
  batchSize: 'batch_size',
  bytesIn: 'bytes_in',
  bytesOut: 'bytes_out',
  reason: 'reason',
  action: 'action',
  actor: 'actor',
  detail: 'detail',
} as const satisfies Record<keyof RecordFields, string>;

export const RECORD_FIELD_NAMES = Object.keys(RECORD_COLUMNS) as (keyof RecordFields)[];

/** The SELECT expression that yields a record field under its own name. */
export function selectField(field: keyof RecordFields): string {
  const column = RECORD_COLUMNS[field];
  return field === column ? column : `${column} AS ${field}`;
}

/** SELECT list that yields RecordFields-shaped rows. */
export const RECORD_SELECT = RECORD_FIELD_NAMES.map(selectField).join(', ');

const SORTED_FIELD_NAMES = [...RECORD_FIELD_NAMES].sort();
/** Each sorted field's key as canonicalFields writes it before the value (`"name":`); the comma between fields is added there. */
const KEY_PREFIXES = SORTED_FIELD_NAMES.map((name) => `"${name}":`);

/** A value as JSON.stringify writes it inside an object; undefined where it leaves the key out. */
function jsonValue(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  return JSON.stringify(value) as string | undefined;
}

/**
 * canonicalJson(fields) for a record whose values are strings, integers or null (as stored and as
 * checked by the verifier): the text JSON.stringify writes for the fields in sorted key order,
 * written directly (no object built per record: the log thread hashes every record). `seq` is
 * taken from the argument when given, so a record need not be copied to number it.
 */
export function canonicalFields(fields: NewRecord | RecordFields, seq?: number): string {
  let out = '{';
  for (let i = 0; i < SORTED_FIELD_NAMES.length; i++) {
    const name = SORTED_FIELD_NAMES[i];
    const value = name === 'seq' && seq !== undefined ? seq : (fields as Partial<RecordFields>)[name];
    const text = jsonValue(value);
    if (text === undefined) continue;
    out += (out.length === 1 ? '' : ',') + KEY_PREFIXES[i] + text;
  }
  return `${out}}`;
}

/** hash = SHA-256 over the UTF-8 bytes of prevHash (64 hex chars) followed by canonical(fields). */
export function hashRecord(prevHash: string, fields: RecordFields): string {
  return sha256Hex(prevHash + canonicalFields(fields));
}

/** hashRecord of `fields` numbered `seq`, without building the numbered record. */
export function hashNumbered(prevHash: string, fields: NewRecord, seq: number): string {
  return sha256Hex(prevHash + canonicalFields(fields, seq));
}

const MAX_TEXT = 2000;

// SQLite stores UTF-8: a lone surrogate would come back as U+FFFD bytes and break the hash,
// so it becomes U+FFFD before hashing.
const ANY_SURROGATE = /[\uD800-\uDFFF]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function text(name: string, value: unknown, max = MAX_TEXT): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw new TypeError(`usage record: ${name} must be a string`);
  const cut = value.slice(0, max);
  // The lookaround pattern costs several times the plain scan, and almost no value has a surrogate.
  return ANY_SURROGATE.test(cut) ? cut.replace(LONE_SURROGATE, '\uFFFD') : cut;
}

function required(name: string, value: string | null): string {
  if (value === null || value === '') throw new TypeError(`usage record: ${name} is required`);
  return value;
}

function integer(name: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new TypeError(`usage record: ${name} must be a finite number`);
  }
  const rounded = Math.round(value);
  if (!Number.isSafeInteger(rounded)) throw new TypeError(`usage record: ${name} is out of range`);
  return rounded;
}

function time(value: unknown, now: number): number {
  return integer('time', value) ?? now;
}

export function inferenceFields(r: InferenceRecord, now: number): NewRecord {
  return {
    kind: 'inference',
    time: time(r.time, now),
    requestId: text('requestId', r.requestId, 200),
    client: text('client', r.client, 200),
    keyId: text('keyId', r.keyId, 200),
    model: text('model', r.model, 200),
    version: integer('version', r.version),
    outcome: text('outcome', r.outcome, 40) ?? 'error',
    status: integer('status', r.status),
    latencyUs: integer('latencyUs', r.latencyUs),
    batchSize: integer('batchSize', r.batchSize),
    bytesIn: integer('bytesIn', r.bytesIn) ?? 0,
    bytesOut: integer('bytesOut', r.bytesOut) ?? 0,
    reason: text('reason', r.reason),
    action: null,
    actor: null,
    detail: null,
  };
}

export function adminFields(a: AdminAction, now: number): NewRecord {
  const detail = a.detail === undefined || a.detail === null ? null : canonicalJson(a.detail);
  return {
    kind: 'admin',
    time: time(a.time, now),
    requestId: text('requestId', a.requestId, 200),
    client: text('client', a.client, 200),
    keyId: null,
    model: text('model', a.model, 200),
    version: integer('version', a.version),
    outcome: text('outcome', a.outcome, 40) ?? 'success',
    status: null,
    latencyUs: null,
    batchSize: null,
    bytesIn: null,
    bytesOut: null,
    reason: text('reason', a.reason),
    action: required('action', text('action', a.action, 100)),
    actor: required('actor', text('actor', a.actor, 200)),
    // canonicalJson escapes lone surrogates, so detail is already plain UTF-8-safe text.
    detail,
  };
}
