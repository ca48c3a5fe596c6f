import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateAdminToken, newAdminToken } from '../../main/admin-token.js';

const posix = process.platform !== 'win32';

describe('loadOrCreateAdminToken', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'hearth-token-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('creates the data directory and a 0600 token file on first run', () => {
    const dataDir = join(root, 'userData', 'data');
    const token = loadOrCreateAdminToken(dataDir, () => 'first-token');
    expect(token).toBe('first-token');
    const file = join(dataDir, 'admin-token');
    expect(readFileSync(file, 'utf8').trim()).toBe('first-token');
    if (posix) {
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(statSync(dataDir).mode & 0o077).toBe(0);
    }
  });

  it('returns the same token on later runs', () => {
    const first = loadOrCreateAdminToken(root);
    const second = loadOrCreateAdminToken(root, () => 'never-used');
    expect(second).toBe(first);
  });

  it('uses a token the server wrote, and tightens a file readable by others', () => {
    const file = join(root, 'admin-token');
    writeFileSync(file, 'server-made-token\n', { mode: 0o644 });
    if (posix) chmodSync(file, 0o644);
    expect(loadOrCreateAdminToken(root, () => 'never-used')).toBe('server-made-token');
    if (posix) expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('generates long random tokens', () => {
    const a = newAdminToken();
    expect(a).toMatch(/^hearth_admin_[A-Za-z0-9_-]{43}$/);
    expect(newAdminToken()).not.toBe(a);
  });
});
