import type { ApiKeyRecord, Scope } from '../api/types.js';

export type ExpiryChoice = 'never' | '30d' | '90d' | '365d' | 'date';

export const EXPIRY_LABELS: Record<ExpiryChoice, string> = {
  never: 'Never',
  '30d': 'In 30 days',
  '90d': 'In 90 days',
  '365d': 'In one year',
  date: 'On a date…',
};

const DAY = 86_400_000;

/**
 * The expiry to send (ms since the epoch, or null for none). A chosen date expires at the end of
 * that local day. Throws with a message for a missing or past date.
 */
export function expiresAt(choice: ExpiryChoice, date: string, now = Date.now()): number | null {
  switch (choice) {
    case 'never': return null;
    case '30d': return now + 30 * DAY;
    case '90d': return now + 90 * DAY;
    case '365d': return now + 365 * DAY;
    case 'date': {
      const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
      if (!m) throw new Error('Pick the day the key stops working.');
      const end = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), 23, 59, 59, 999).getTime();
      if (end <= now) throw new Error('That day has passed; pick a later one.');
      return end;
    }
  }
}

export interface KeyDraft {
  name: string;
  scopes: Scope[];
  /** Empty: every model. */
  models: string[];
  expiry: ExpiryChoice;
  date: string;
}

/**
 * "Every model" and "never expires" are sent by leaving the field out, not as null: the server's
 * validator coerces types, and a null there comes out as [""] (no model) or 0 (expired).
 */
export interface KeyRequest {
  name: string;
  scopes: Scope[];
  models?: string[];
  expiresAt?: number;
}

/** The POST /keys body for a form, or the first thing the admin must fix. */
export function keyRequest(draft: KeyDraft, now = Date.now()): { ok: true; body: KeyRequest } | { ok: false; error: string } {
  const name = draft.name.trim();
  if (name === '') return { ok: false, error: 'Give the key a name, e.g. the application that will use it.' };
  if (name.length > 128) return { ok: false, error: 'Keep the name to 128 characters.' };
  if (draft.scopes.length === 0) return { ok: false, error: 'Pick at least one scope.' };
  try {
    const body: KeyRequest = { name, scopes: [...draft.scopes] };
    if (draft.models.length > 0) body.models = [...draft.models];
    const expiry = expiresAt(draft.expiry, draft.date, now);
    if (expiry !== null) body.expiresAt = expiry;
    return { ok: true, body };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

export type KeyStatus = 'active' | 'revoked' | 'expired';

export function keyStatus(key: ApiKeyRecord, now = Date.now()): KeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}
