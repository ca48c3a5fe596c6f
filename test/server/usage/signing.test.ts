import { createHash, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fingerprint, loadOrCreateSigningKey, normalizeFingerprint } from '../../../server/usage/signing.js';

describe('audit signing key', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('is created once as audit-key.pem with mode 0600 and reused after', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-key-'));
    dirs.push(dir);
    const first = loadOrCreateSigningKey(dir);
    const file = join(dir, 'audit-key.pem');
    expect(readFileSync(file, 'utf8')).toContain('BEGIN PRIVATE KEY');
    if (process.platform !== 'win32') expect(statSync(file).mode & 0o777).toBe(0o600);
    const second = loadOrCreateSigningKey(dir);
    expect(second.fingerprint).toBe(first.fingerprint);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
  });

  it('fingerprints the raw 32-byte public key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-key-'));
    dirs.push(dir);
    const key = loadOrCreateSigningKey(dir);
    // An Ed25519 SPKI DER is a fixed 12-byte prefix followed by the raw key.
    const der = createPublicKey(key.publicKeyPem).export({ type: 'spki', format: 'der' });
    expect(der.length).toBe(44);
    const expected = createHash('sha256').update(der.subarray(12)).digest('hex');
    expect(key.fingerprint).toBe(expected);
    expect(fingerprint(key.publicKeyPem)).toBe(expected);
    expect(normalizeFingerprint(`SHA256:${expected.toUpperCase().match(/../g)?.join(':')}`)).toBe(expected);
  });

  it('refuses a key file that is not an Ed25519 private key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hearth-key-'));
    dirs.push(dir);
    loadOrCreateSigningKey(dir);
    const file = join(dir, 'audit-key.pem');
    rmSync(file);
    // A damaged key must not be silently replaced: that would re-sign history with a new key.
    writeFileSync(file, 'not a key');
    expect(() => loadOrCreateSigningKey(dir)).toThrow(/audit signing key/);
  });
});
