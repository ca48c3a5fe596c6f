import { describe, expect, test } from 'vitest';
import { describeChange, rollbackTarget } from '../../../renderer/lib/aliases.js';

const set = (version: number, alias = 'production') => ({ alias, version, action: 'set' as const, reason: '', changedAt: 0 });
const rollback = (version: number) => ({ alias: 'production', version, action: 'rollback' as const, reason: '', changedAt: 0 });

describe('rollback target (as the server computes it)', () => {
  test('the version before the current one', () => {
    expect(rollbackTarget([set(1), set(2), set(3)], [1, 2, 3])).toBe(2);
  });

  test('repeated rollbacks walk further back', () => {
    expect(rollbackTarget([set(1), set(2), set(3), rollback(2)], [1, 2, 3])).toBe(1);
    expect(rollbackTarget([set(1), set(2), rollback(1)], [1, 2])).toBeUndefined();
  });

  test('skips deleted versions, ignores other aliases and forgets history before a delete', () => {
    expect(rollbackTarget([set(1), set(2), set(3)], [1, 3])).toBe(1);
    expect(rollbackTarget([set(1), set(5, 'canary'), set(2)], [1, 2, 5])).toBe(1);
    expect(rollbackTarget([set(1), { alias: 'production', version: null, action: 'delete', reason: '', changedAt: 0 }, set(2)], [1, 2])).toBeUndefined();
  });

  test('history lines', () => {
    expect(describeChange({ alias: 'production', version: 2, action: 'set' as const, reason: 'demo seed', changedAt: 0 })).toBe('production → v2: demo seed');
    expect(describeChange({ alias: 'production', version: 1, action: 'auto-rollback', reason: '', changedAt: 0 })).toBe('production → v1 (auto rollback)');
    expect(describeChange({ alias: 'canary', version: null, action: 'delete', reason: '', changedAt: 0 })).toBe('canary removed (delete)');
  });
});
