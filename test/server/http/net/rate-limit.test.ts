import { describe, expect, it } from 'vitest';
import { RateLimiter } from '../../../../server/http/net/rate-limit.js';

function clock() {
  let t = 1_000;
  return { now: () => t, advance: (ms: number) => { t += ms; } };
}

describe('per-key rate limits', () => {
  it('lets a burst of one second through, then refills at the rate', () => {
    const c = clock();
    const rl = new RateLimiter(c.now);
    const limits = { perSecond: 4, concurrent: null };
    const admitted = Array.from({ length: 6 }, () => rl.acquire('k', limits)).map((v) => v.ok);
    expect(admitted).toEqual([true, true, true, true, false, false]);
    c.advance(250);
    expect(rl.acquire('k', limits).ok).toBe(true);
    expect(rl.acquire('k', limits).ok).toBe(false);
    c.advance(10_000);
    // A long pause refills the bucket to one second's worth, not more.
    expect(Array.from({ length: 5 }, () => rl.acquire('k', limits).ok)).toEqual([true, true, true, true, false]);
  });

  it('says how long to wait, in whole seconds', () => {
    const c = clock();
    const rl = new RateLimiter(c.now);
    const slow = { perSecond: 0.2, concurrent: null };
    expect(rl.acquire('k', slow).ok).toBe(true);
    const v = rl.acquire('k', slow);
    expect(v).toMatchObject({ ok: false, retryAfterS: 5 });
    if (!v.ok) expect(v.message).toMatch(/0\.2 requests per second/);
    c.advance(4_000);
    expect(rl.acquire('k', slow)).toMatchObject({ ok: false, retryAfterS: 1 });
    c.advance(1_000);
    expect(rl.acquire('k', slow).ok).toBe(true);
  });

  it('keeps keys apart', () => {
    const rl = new RateLimiter(clock().now);
    const one = { perSecond: 1, concurrent: null };
    expect(rl.acquire('a', one).ok).toBe(true);
    expect(rl.acquire('a', one).ok).toBe(false);
    expect(rl.acquire('b', one).ok).toBe(true);
  });

  it('counts requests in flight and frees a slot once, however often it is released', () => {
    const rl = new RateLimiter(clock().now);
    const two = { perSecond: null, concurrent: 2 };
    const a = rl.acquire('k', two);
    const b = rl.acquire('k', two);
    const c = rl.acquire('k', two);
    expect([a.ok, b.ok, c.ok]).toEqual([true, true, false]);
    if (!c.ok) expect(c).toMatchObject({ retryAfterS: 1, message: expect.stringMatching(/at most 2 at once/) as unknown });
    if (a.ok) { a.release(); a.release(); }
    expect(rl.active('k')).toBe(1);
    expect(rl.acquire('k', two).ok).toBe(true);
    expect(rl.acquire('k', two).ok).toBe(false);
  });

  it('does not spend a token on a request refused for concurrency', () => {
    const rl = new RateLimiter(clock().now);
    const limits = { perSecond: 2, concurrent: 1 };
    const first = rl.acquire('k', limits);
    expect(first.ok).toBe(true);
    expect(rl.acquire('k', limits).ok).toBe(false);
    if (first.ok) first.release();
    expect(rl.acquire('k', limits).ok).toBe(true);
  });

  it('admits everything without limits', () => {
    const rl = new RateLimiter(clock().now);
    expect(Array.from({ length: 1000 }, () => rl.acquire('k', { perSecond: null, concurrent: null }).ok).every(Boolean)).toBe(true);
    expect(rl.active('k')).toBe(0);
  });
});
