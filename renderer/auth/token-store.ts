const KEY = 'hearth.adminToken';

/** Where a browser keeps the admin token: this tab's sessionStorage, gone when the tab closes. */
export interface TokenStore {
  get(): string | null;
  set(token: string): void;
  clear(): void;
}

export function sessionTokenStore(storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'> | undefined = globalThis.sessionStorage): TokenStore {
  return {
    get: () => {
      try { return storage?.getItem(KEY) ?? null; } catch { return null; }
    },
    set: (token) => {
      try { storage?.setItem(KEY, token); } catch { /* private mode: the token lives in memory only */ }
    },
    clear: () => {
      try { storage?.removeItem(KEY); } catch { /* nothing stored */ }
    },
  };
}

/** What a pasted token becomes: trimmed, and without a "Bearer " someone copied along with it. */
export function cleanToken(input: string): string {
  return input.trim().replace(/^Bearer\s+/i, '').trim();
}
