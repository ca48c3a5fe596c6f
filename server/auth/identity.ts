/**
 * How a Hearth server proves, before anyone sends it the admin token, that it holds that token:
 * a client sends a fresh random challenge and the server answers with an HMAC of it (and of its
 * per-launch nonce) under a key derived from the token. Something else listening on the port
 * cannot answer without the token, and the token itself never crosses the wire for this.
 * main/identity.ts repeats this derivation for the desktop app (main/ does not import server/);
 * test/main/identity.test.ts checks that both agree.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const IDENTITY_PATH = '/admin/v1/identity';
/** 16–128 URL-safe characters: room for 96+ random bits, small enough to log. */
export const CHALLENGE_PATTERN = '^[A-Za-z0-9_-]{16,128}$';

export function newChallenge(): string {
  return randomBytes(32).toString('base64url');
}

export function newLaunchNonce(): string {
  return randomBytes(16).toString('base64url');
}

export function identityProof(token: string, challenge: string, nonce: string): string {
  const key = createHmac('sha256', token).update('hearth identity v1').digest();
  return createHmac('sha256', key).update(`${challenge}\n${nonce}`).digest('hex');
}

/** Whether `proof` answers `challenge` for a server holding `token`; constant time. */
export function proofMatches(token: string, challenge: string, nonce: string, proof: string): boolean {
  const expected = Buffer.from(identityProof(token, challenge, nonce), 'hex');
  const given = Buffer.from(/^[0-9a-f]{64}$/.test(proof) ? proof : '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
