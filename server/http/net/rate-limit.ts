export interface Limits {
  /** Requests per second; the bucket holds one second's worth (at least one request). */
  perSecond: number | null;
  /** Requests in flight at once. */
  concurrent: number | null;
}

export type Verdict =
  | { ok: true; release: () => void }
  | { ok: false; retryAfterS: number; message: string };

interface State {
  /** null until the key first meets a per-second limit; it then starts with a full bucket. */
  tokens: number | null;
  at: number;
  active: number;
}

/** Per-client token buckets and in-flight counters. `now` is in milliseconds. */
export class RateLimiter {
  private readonly states = new Map<string, State>();

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Admits one request of `id` under `limits`, or says how long to wait. Call `release` once it ends. */
  acquire(id: string, limits: Limits): Verdict {
    const { perSecond, concurrent } = limits;
    if (perSecond === null && concurrent === null) return { ok: true, release: () => undefined };
    const now = this.now();
    let s = this.states.get(id);
    if (!s) {
      s = { tokens: null, at: now, active: 0 };
      this.states.set(id, s);
    }
    if (concurrent !== null && s.active >= concurrent) {
      return { ok: false, retryAfterS: 1, message: `Too many requests in flight for this API key (at most ${concurrent} at once); retry when one has finished.` };
    }
    if (perSecond !== null) {
      const burst = Math.max(1, perSecond);
      s.tokens = s.tokens === null ? burst : Math.min(burst, s.tokens + ((now - s.at) / 1000) * perSecond);
      s.at = now;
      if (s.tokens < 1) {
        const retryAfterS = Math.max(1, Math.ceil((1 - s.tokens) / perSecond));
        return { ok: false, retryAfterS, message: `Rate limit of ${perSecond} requests per second for this API key reached; retry after ${retryAfterS} s.` };
      }
      s.tokens -= 1;
    }
    s.active += 1;
    const state = s;
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        state.active -= 1;
      },
    };
  }

  /** Requests of `id` in flight now. */
  active(id: string): number {
    return this.states.get(id)?.active ?? 0;
  }
}
