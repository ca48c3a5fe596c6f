import { describe, expect, test } from 'vitest';
import { cleanToken, sessionTokenStore } from '../../../renderer/auth/token-store.js';

/** The Storage methods the store uses, over a Map. */
function memoryStorage() {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k: string) => map.get(k) ?? null,
    setItem: (k: string, v: string) => { map.set(k, v); },
    removeItem: (k: string) => { map.delete(k); },
  };
}

describe('token store', () => {
  test('keeps, reads back and clears the token', () => {
    const storage = memoryStorage();
    const store = sessionTokenStore(storage);
    expect(store.get()).toBeNull();
    store.set('hearth_admin_x');
    expect(store.get()).toBe('hearth_admin_x');
    expect([...storage.map.keys()]).toEqual(['hearth.adminToken']);
    store.clear();
    expect(store.get()).toBeNull();
  });

  test('a storage that throws (private mode) reads as empty and does not break sign-in', () => {
    const broken = { getItem: () => { throw new Error('denied'); }, setItem: () => { throw new Error('denied'); }, removeItem: () => { throw new Error('denied'); } };
    const store = sessionTokenStore(broken);
    expect(() => store.set('t')).not.toThrow();
    expect(store.get()).toBeNull();
    expect(() => store.clear()).not.toThrow();
  });

  test('pasted tokens lose whitespace and a copied "Bearer " prefix', () => {
    expect(cleanToken('  Bearer   abc123 \n')).toBe('abc123');
    expect(cleanToken('abc')).toBe('abc');
  });
});
