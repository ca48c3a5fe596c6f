export type RecordKind = 'inference' | 'admin';

/** Conventional outcomes; other short words are allowed (the log does not police vocabulary). */
export type Outcome = 'success' | 'error' | 'rejected' | 'timeout' | (string & {});

export type AdminActionName =
  | 'register'
  | 'promote'
  | 'rollback'
  | 'load'
  | 'unload'
  | 'key_created'
  | 'key_revoked'
  | 'setting_changed'
  | 'export'
  | 'prune'
  | 'fallback'
  /** The audit signing key changed: detail {from, to} are the fingerprints. */
  | 'audit_key_changed'
  /**
   * A usage journal line that could not be committed as written (an edited file: Hearth journals
   * only records it validated): reason says why, detail {entry, line} holds its number and text.
   */
  | 'usage_journal_entry_refused'
  | (string & {});

/** One inference request, as the HTTP layer reports it. Latency is in microseconds. */
export interface InferenceRecord {
  /** ms since the epoch; defaults to the time of append. */
  time?: number;
  requestId?: string | null;
  client?: string | null;
  /** The API key's id, never the key itself; null for an anonymous loopback client. */
  keyId?: string | null;
  model?: string | null;
  version?: number | null;
  outcome: Outcome;
  status: number;
  latencyUs: number;
  batchSize?: number | null;
  bytesIn?: number;
  bytesOut?: number;
  /** Why it failed; null on success. */
  reason?: string | null;
}

export interface AdminAction {
  time?: number;
  action: AdminActionName;
  /** Who did it: "admin-token", "cli", a key id, "system"… */
  actor: string;
  model?: string | null;
  version?: number | null;
  /** Any JSON object; stored as its canonical JSON text. */
  detail?: Record<string, unknown> | null;
  outcome?: Outcome;
  reason?: string | null;
  requestId?: string | null;
  client?: string | null;
}

/**
 * Exactly the fields that are hashed (see README.md, "Canonical record"). Every field is always
 * present; the ones that do not apply to a kind are null.
 */
export interface RecordFields {
  seq: number;
  kind: RecordKind;
  time: number;
  requestId: string | null;
  client: string | null;
  keyId: string | null;
  model: string | null;
  version: number | null;
  outcome: string | null;
  status: number | null;
  latencyUs: number | null;
  batchSize: number | null;
  bytesIn: number | null;
  bytesOut: number | null;
  reason: string | null;
  action: string | null;
  actor: string | null;
  detail: string | null;
}

export interface StoredRecord extends RecordFields {
  prevHash: string;
  hash: string;
}

/** An admin action as the services report it; recordAdmin turns it into an AdminAction record. */
export interface AdminEvent {
  action: AdminAction['action'];
  model?: string;
  version?: number;
  /** The client's address, recorded as the record's client. */
  ip?: string;
  actor?: string;
  detail?: Record<string, unknown>;
  reason?: string;
}
