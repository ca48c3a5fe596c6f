import { afterEach, describe, expect, it } from 'vitest';
import { UptimeTracker, type ProductionVersion } from '../../../server/observability/uptime.js';
import { manualClock, tempDb } from './helpers.js';

const T0 = Date.UTC(2024, 5, 1, 8, 0, 0);
const S = 1000;

describe('uptime', () => {
  const cleanups: (() => void)[] = [];
  afterEach(() => { for (const c of cleanups.splice(0)) c(); });

  it('counts the gap between a stop and the next start as down, for the server and a model', () => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const clock = manualClock(T0);
    const production: ProductionVersion[] = [{ name: 'm', version: 3, ready: true }];
    const source = { production: () => production };

    const first = new UptimeTracker(t.db, source, { now: clock.now, heartbeatMs: 3_600_000 });
    first.start();
    clock.advance(30 * S);
    first.beat();
    clock.advance(30 * S);
    first.close();

    clock.set(T0 + 180 * S);
    production[0] = { name: 'm', version: 3, ready: false };
    const second = new UptimeTracker(t.reopen(), source, { now: clock.now, heartbeatMs: 3_600_000 });
    cleanups.push(() => second.close());
    second.start();
    clock.set(T0 + 210 * S);
    production[0] = { name: 'm', version: 3, ready: true };
    second.beat();
    clock.set(T0 + 240 * S);

    const r = second.report();
    expect(r.since).toBe(T0);
    expect(r.startedAt).toBe(T0 + 180 * S);
    expect(r.target).toBe(0.999);
    expect(r.server['24h']).toEqual({
      availability: 0.5, observedSeconds: 240, downSeconds: 120, budgetSeconds: 0.24, budgetLeftSeconds: -119.76,
    });
    expect(r.server['30d'].downSeconds).toBe(120);
    expect(r.models).toHaveLength(1);
    const m = r.models[0];
    expect([m.name, m.version, m.ready, m.since]).toEqual(['m', 3, true, T0]);
    // Up 0–60 s in the first run and 210–240 s in the second: 90 of 240 seconds.
    expect(m['24h'].downSeconds).toBe(150);
    expect(m['7d'].availability).toBeCloseTo(90 / 240, 12);
  });

  it("counts a model from its first readiness: its load at the first start is not downtime", () => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const clock = manualClock(T0);
    const production: ProductionVersion[] = [{ name: 'm', version: 1, ready: false }];
    const tracker = new UptimeTracker(t.db, { production: () => production }, { now: clock.now, heartbeatMs: 3_600_000 });
    cleanups.push(() => tracker.close());
    tracker.start();
    clock.advance(89);
    production[0] = { name: 'm', version: 1, ready: true };
    tracker.beat();
    clock.set(T0 + 9_000);
    const m = tracker.report().models[0];
    expect(m.since).toBe(T0 + 89);
    expect(m['24h']).toMatchObject({ availability: 1, downSeconds: 0 });
  });

  it('keeps a model up across a promotion between beats, and down once its version is not READY', () => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const clock = manualClock(T0);
    const production: ProductionVersion[] = [{ name: 'm', version: 1, ready: true }];
    const tracker = new UptimeTracker(t.db, { production: () => production }, { now: clock.now, heartbeatMs: 3_600_000 });
    cleanups.push(() => tracker.close());
    tracker.start();
    clock.advance(10 * S);
    production[0] = { name: 'm', version: 2, ready: true };
    tracker.beat();
    clock.advance(10 * S);
    production[0] = { name: 'm', version: 2, ready: false };
    tracker.beat();
    clock.advance(10 * S);
    const r = tracker.report();
    expect(r.server['24h'].downSeconds).toBe(0);
    expect(r.models[0]['24h'].downSeconds).toBe(20);
    expect(r.models[0].ready).toBe(false);
    const rows = t.db.prepare("SELECT version, started_at, ended_at FROM uptime_heartbeats WHERE model = 'm' ORDER BY id").all();
    expect(rows).toEqual([
      { version: 1, started_at: T0, ended_at: T0 + 10 * S },
      { version: 2, started_at: T0 + 10 * S, ended_at: T0 + 10 * S },
    ]);
  });

  it('persists the target, and refuses one outside (0, 1]', () => {
    const t = tempDb();
    cleanups.push(t.cleanup);
    const source = { production: () => [] };
    const a = new UptimeTracker(t.db, source);
    expect(a.target()).toBe(0.999);
    a.setTarget(0.95);
    expect(() => a.setTarget(0)).toThrow(RangeError);
    expect(() => a.setTarget(1.5)).toThrow(RangeError);
    expect(new UptimeTracker(t.reopen(), source).target()).toBe(0.95);
  });
});
