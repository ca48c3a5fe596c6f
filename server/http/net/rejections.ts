import type { AdminAction } from '../../usage/types.js';

/**
 * Rejected traffic: requests answered 401, 403, 404 or 429 before they reached a model. A client
 * without a key can send these as fast as it likes, so they must cost the server almost nothing:
 * no usage record each (one summary per client, status and key per interval instead), no memory
 * that grows with what the client invents, and a per-address budget past which the client gets
 * 429 before authentication runs.
 */
export const REJECTED_STATUSES: ReadonlySet<number> = new Set([401, 403, 404, 429]);

/** Addresses tracked at once; past it the oldest bucket goes (it would have refilled anyway). */
const MAX_ADDRESSES = 10_000;
/** Distinct (client, status, key) summaries per interval; the rest are counted under "other". */
const MAX_SUMMARIES = 1000;
const MAX_MODELS_NAMED = 5;

export interface RejectionLimits {
  /** Rejections an address may earn per second on average; 0 turns the budget off. */
  perSecond: number;
  /** How many it may earn at once. */
  burst: number;
}

interface Bucket { tokens: number; at: number }

/** A token bucket per client address, charged one token per rejected request. */
export class RejectionBudget {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limits: RejectionLimits, private readonly now: () => number = () => performance.now()) {}

  /** Seconds until the address may try again; 0 when it has budget left (or is not tracked). */
  retryAfter(address: string): number {
    if (this.buckets.size === 0) return 0;
    const b = this.buckets.get(address);
    if (b === undefined) return 0;
    this.refill(b);
    // A full bucket is the same as none: forget it, so the map holds only recent offenders.
    if (b.tokens >= this.limits.burst) this.buckets.delete(address);
    return b.tokens >= 1 ? 0 : Math.max(1, Math.ceil((1 - b.tokens) / this.limits.perSecond));
  }

  charge(address: string): void {
    if (this.limits.perSecond <= 0) return;
    let b = this.buckets.get(address);
    if (b === undefined) {
      if (this.buckets.size >= MAX_ADDRESSES) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.limits.burst, at: this.now() };
    } else {
      this.buckets.delete(address); // re-inserted below: the map stays in least-recently-charged order
      this.refill(b);
    }
    b.tokens = Math.max(0, b.tokens - 1);
    this.buckets.set(address, b);
  }

  get tracked(): number {
    return this.buckets.size;
  }

  private refill(b: Bucket): void {
    const t = this.now();
    b.tokens = Math.min(this.limits.burst, b.tokens + ((t - b.at) / 1000) * this.limits.perSecond);
    b.at = t;
  }
}

export interface Rejection {
  client: string;
  status: number;
  keyId: string | null;
  model: string | null;
  reason: string | null;
  time: number;
}

interface Summary { client: string; status: number; keyId: string | null; count: number; first: number; last: number; models: string[]; reason: string | null }

/** Rejections counted per (client, status, key) between flushes; each flush writes one audit record per group. */
export class RejectionSummaries {
  private groups = new Map<string, Summary>();

  constructor(private readonly write: (action: AdminAction) => Promise<unknown>) {}

  add(r: Rejection): void {
    let id = `${r.client}\u0000${r.status}\u0000${r.keyId ?? ''}`;
    let g = this.groups.get(id);
    if (g === undefined && this.groups.size >= MAX_SUMMARIES) {
      id = `\u0000other\u0000${r.status}`;
      g = this.groups.get(id);
      r = { ...r, client: 'other', keyId: null };
    }
    if (g === undefined) {
      g = { client: r.client, status: r.status, keyId: r.keyId, count: 0, first: r.time, last: r.time, models: [], reason: r.reason };
      this.groups.set(id, g);
    }
    g.count++;
    g.last = r.time;
    if (r.model !== null && g.models.length < MAX_MODELS_NAMED && !g.models.includes(r.model)) g.models.push(r.model.slice(0, 100));
  }

  get pending(): number {
    return this.groups.size;
  }

  /** Writes one record per group seen since the last flush. */
  async flush(): Promise<void> {
    if (this.groups.size === 0) return;
    const groups = [...this.groups.values()];
    this.groups = new Map();
    await Promise.all(groups.map((g) => this.write({
      time: g.last,
      action: 'rejected_requests',
      actor: 'system',
      client: g.client,
      outcome: 'rejected',
      reason: g.reason,
      detail: { status: g.status, count: g.count, first: g.first, last: g.last, keyId: g.keyId, models: g.models },
    })));
  }
}
