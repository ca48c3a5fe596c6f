import type { RecordKind } from './types.js';

export interface UsageFilter {
  /** ms epoch, inclusive. */
  from?: number;
  /** ms epoch, exclusive. */
  to?: number;
  model?: string;
  keyId?: string;
  /** Which records: inference requests (the default), admin actions, or both. */
  kind?: RecordKind | 'all';
}

export interface Where {
  sql: string;
  params: Record<string, string | number>;
}

/** A WHERE clause (always non-empty) with named parameters for the filter. */
export function whereClause({ from, to, model, keyId, kind = 'inference' }: UsageFilter): Where {
  const terms: string[] = [];
  const params: Record<string, string | number> = {};
  if (kind !== 'all') {
    terms.push('kind = @kind');
    params.kind = kind;
  }
  if (from !== undefined) {
    terms.push('time >= @from');
    params.from = from;
  }
  if (to !== undefined) {
    terms.push('time < @to');
    params.to = to;
  }
  if (model !== undefined) {
    terms.push('model = @model');
    params.model = model;
  }
  if (keyId !== undefined) {
    terms.push('key_id = @keyId');
    params.keyId = keyId;
  }
  return { sql: terms.length > 0 ? terms.join(' AND ') : '1', params };
}
