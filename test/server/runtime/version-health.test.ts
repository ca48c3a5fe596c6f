import { describe, expect, it, vi } from 'vitest';
import { VersionHealth } from '../../../server/runtime/version-health.js';
import { ExecutionError } from '../../../server/runtime/outcome.js';
import type { ModelVersion } from '../../../server/registry/registry.js';

/** A registry row as the health table reads it: a new object for each settings change, as the registry hands out. */
const row = (circuitFailures: number): ModelVersion =>
  ({ name: 'm', version: 1, settings: { circuitFailures, circuitCooldownMs: 60_000 } }) as unknown as ModelVersion;

const serverFault = () => new ExecutionError('server', 'the session is broken');

describe('version health', () => {
  it('counts nothing while the breaker is off, so turning it on starts from zero', () => {
    const health = new VersionHealth();
    const off = row(0);
    // Before the fix, each failure with the breaker off was counted once the breaker was found by
    // its row (no settings applied per request): turned on at 2, the next failure opened it.
    for (let i = 0; i < 3; i++) health.settle(health.admit(off), { error: serverFault() });
    // circuitStates, not circuitOf: circuitOf applies the row's settings, which resets an off breaker.
    expect(health.circuitStates()).toMatchObject([{ state: 'closed', consecutiveFailures: 0 }]);
    const on = row(2);
    health.settle(health.admit(on), { error: serverFault() });
    expect(health.circuitStates()).toMatchObject([{ state: 'closed', consecutiveFailures: 1 }]);
    health.settle(health.admit(on), { error: serverFault() });
    expect(health.isOpen('m', 1)).toBe(true);
  });

  it('settles a request and tells the other listeners when one listener throws', () => {
    const health = new VersionHealth();
    const v = row(5);
    const seen: boolean[] = [];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    health.onOutcome(() => { throw new Error('a listener bug'); });
    health.onOutcome((o) => { seen.push(o.ok); });
    // Before the fix this threw out of settle, which the scheduler calls once per request of a batch.
    expect(() => health.settle(health.admit(v), false)).not.toThrow();
    expect(() => health.settle(health.admit(v), { error: serverFault() })).not.toThrow();
    expect(seen).toEqual([true, false]);
    expect(health.circuitOf(v).consecutiveFailures).toBe(1);
    expect(error).toHaveBeenCalledTimes(2);
    error.mockRestore();
  });
});
