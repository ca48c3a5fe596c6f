/**
 * The admin token lives in the data directory as `admin-token` (mode 0600), the same file the
 * server uses when it runs headless, so the desktop app and `hearth serve --data-dir` on the same
 * directory share one token. Main passes it to the server as HEARTH_ADMIN_TOKEN.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ADMIN_TOKEN_FILE = 'admin-token';

/** Same shape as the tokens `hearth serve` generates. */
export function newAdminToken(): string {
  return `hearth_admin_${randomBytes(32).toString('base64url')}`;
}

/** Reads the data directory's admin token, creating the directory and the token on first run. */
export function loadOrCreateAdminToken(dataDir: string, generate: () => string = newAdminToken): string {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  const existing = readToken(path);
  if (existing !== null) return existing;
  const token = generate();
  try {
    // 'wx': if the server wrote one in the meantime, that one wins.
    writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch (error) {
    const raced = isCode(error, 'EEXIST') ? readToken(path) : null;
    if (raced === null) throw error;
    return raced;
  }
}

function readToken(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if (isCode(error, 'ENOENT')) return null;
    throw error;
  }
  const token = text.trim();
  if (token === '') return null;
  // A token others can read is no secret; tighten a file someone copied in with loose modes.
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return token;
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === code;
}
