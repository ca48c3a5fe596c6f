import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalJson } from './canonical.js';
import { sha256Hex } from './hash.js';
import { errorMessage } from '../base/message.js';

export const SIGNING_KEY_FILE = 'audit-key.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** SPKI PEM, as written in bundle headers. */
  publicKeyPem: string;
  fingerprint: string;
}

/** SHA-256 of the raw 32-byte Ed25519 public key, lowercase hex. */
export function fingerprint(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new Error('the audit key must be an Ed25519 key');
  const jwk = key.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new Error('the audit key has no public part');
  return sha256Hex(Buffer.from(jwk.x, 'base64url'));
}

/** Accepts "ab12…", "AB:12:…" or "sha256:ab12…" as people copy them. */
export function normalizeFingerprint(text: string): string {
  return text.trim().toLowerCase().replace(/^sha256:/, '').replace(/[\s:]/g, '');
}

export function signingKeyFrom(privateKey: KeyObject): SigningKey {
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error('the audit signing key must be an Ed25519 key');
  }
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    publicKeyPem: publicKeyPem(publicKey),
    fingerprint: fingerprint(publicKey),
  };
}

export function publicKeyPem(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

export function generateSigningKey(): SigningKey {
  return signingKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

/** The data dir's audit key (audit-key.pem, mode 0600), created at first start. */
export function loadOrCreateSigningKey(dataDir: string): SigningKey {
  const file = join(dataDir, SIGNING_KEY_FILE);
  try {
    return signingKeyFrom(createPrivateKey(readFileSync(file)));
  } catch (error) {
    if (!isNotFound(error)) throw new Error(`cannot read the audit signing key ${file}: ${errorMessage(error)}`, { cause: error });
  }
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    // 'wx': if another process created it meanwhile, use theirs rather than overwrite it.
    writeFileSync(file, pem, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    if (isExists(error)) return signingKeyFrom(createPrivateKey(readFileSync(file)));
    throw error;
  }
  return signingKeyFrom(privateKey);
}

/** Ed25519 signature, hex, over the canonical JSON of payload. */
export function signPayload(key: SigningKey, payload: Record<string, unknown>): string {
  return sign(null, Buffer.from(canonicalJson(payload)), key.privateKey).toString('hex');
}

export function verifyPayload(publicKey: KeyObject, payload: Record<string, unknown>, signatureHex: string): boolean {
  return verify(null, Buffer.from(canonicalJson(payload)), publicKey, Buffer.from(signatureHex, 'hex'));
}

function isNotFound(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'ENOENT';
}

function isExists(error: unknown): boolean {
  return error instanceof Error && 'code' in error && error.code === 'EEXIST';
}
