import { describe, expect, test } from 'vitest';
import { expiresAt, keyRequest, keyStatus } from '../../../renderer/lib/keys.js';

const NOW = new Date(2026, 5, 1, 12, 0, 0).getTime();
const DAY = 86_400_000;

describe('API key form', () => {
  test('expiry choices become epoch ms; a date lasts to the end of that local day', () => {
    expect(expiresAt('never', '', NOW)).toBeNull();
    expect(expiresAt('30d', '', NOW)).toBe(NOW + 30 * DAY);
    expect(expiresAt('365d', '', NOW)).toBe(NOW + 365 * DAY);
    expect(expiresAt('date', '2026-06-10', NOW)).toBe(new Date(2026, 5, 10, 23, 59, 59, 999).getTime());
    expect(() => expiresAt('date', '', NOW)).toThrow('Pick the day');
    expect(() => expiresAt('date', '2026-05-31', NOW)).toThrow('passed');
  });

  test('leaves out "every model" and "never" rather than sending null', () => {
    const r = keyRequest({ name: '  billing  ', scopes: ['infer'], models: [], expiry: 'never', date: '' }, NOW);
    expect(r).toEqual({ ok: true, body: { name: 'billing', scopes: ['infer'] } });
    expect(r.ok && 'models' in r.body).toBe(false);
  });

  test('sends the chosen models and expiry', () => {
    const r = keyRequest({ name: 'app', scopes: ['infer', 'metadata'], models: ['iris'], expiry: '90d', date: '' }, NOW);
    expect(r).toEqual({ ok: true, body: { name: 'app', scopes: ['infer', 'metadata'], models: ['iris'], expiresAt: NOW + 90 * DAY } });
  });

  test('says what to fix first', () => {
    expect(keyRequest({ name: ' ', scopes: ['infer'], models: [], expiry: 'never', date: '' }, NOW)).toMatchObject({ ok: false, error: expect.stringContaining('name') as unknown });
    expect(keyRequest({ name: 'a', scopes: [], models: [], expiry: 'never', date: '' }, NOW)).toMatchObject({ ok: false, error: 'Pick at least one scope.' });
    expect(keyRequest({ name: 'a', scopes: ['infer'], models: [], expiry: 'date', date: '2020-01-01' }, NOW)).toMatchObject({ ok: false, error: expect.stringContaining('passed') as unknown });
  });

  test('status: revoked wins over expired, expired at the expiry instant', () => {
    const key = { id: 'k', name: 'k', scopes: ['infer' as const], models: null, createdAt: 0, expiresAt: NOW, revokedAt: null, lastUsedAt: null };
    expect(keyStatus(key, NOW - 1)).toBe('active');
    expect(keyStatus(key, NOW)).toBe('expired');
    expect(keyStatus({ ...key, revokedAt: 1 }, NOW)).toBe('revoked');
    expect(keyStatus({ ...key, expiresAt: null }, NOW)).toBe('active');
  });
});
