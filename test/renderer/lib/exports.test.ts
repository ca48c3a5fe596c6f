import { describe, expect, test } from 'vitest';
import { exportTarget, filterError, filterQuery, localTimeToMs } from '../../../renderer/lib/exports.js';

describe('usage filter and exports', () => {
  test('datetime-local values are local times in ms', () => {
    expect(localTimeToMs('2026-03-04T14:05')).toBe(new Date(2026, 2, 4, 14, 5).getTime());
    expect(localTimeToMs('')).toBeUndefined();
    expect(localTimeToMs('nonsense')).toBeUndefined();
  });

  test('the filter drops empty fields', () => {
    expect(filterQuery({ from: '', to: '2026-03-04T14:05', model: 'iris', key: '' })).toEqual({ to: new Date(2026, 2, 4, 14, 5).getTime(), model: 'iris' });
  });

  test('a start after the end is refused', () => {
    expect(filterError({ from: '2026-03-05T00:00', to: '2026-03-04T00:00', model: '', key: '' })).toBe('The start must be before the end.');
    expect(filterError({ from: '2026-03-04T00:00', to: '2026-03-05T00:00', model: '', key: '' })).toBeNull();
  });

  test('export targets: usage carries every filter and a format; the audit bundle only the time range', () => {
    const today = new Date('2026-03-04T10:00:00Z');
    const q = { from: 1, to: 2, model: 'iris', key: 'key_1' };
    expect(exportTarget('usage-csv', q, today)).toEqual({
      path: '/admin/v1/usage', query: { from: 1, to: 2, model: 'iris', key: 'key_1', format: 'csv' }, fileName: 'hearth-usage-2026-03-04.csv',
    });
    expect(exportTarget('usage-jsonl', q, today).query.format).toBe('jsonl');
    expect(exportTarget('audit', q, today)).toEqual({ path: '/admin/v1/audit/export', query: { from: 1, to: 2 }, fileName: 'hearth-audit-2026-03-04.jsonl' });
  });
});
