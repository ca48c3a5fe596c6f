/**
 * Checks that what answers at the desktop's origin is the server process the supervisor started:
 * it must answer a fresh challenge with the proof server/auth/identity.ts defines, for the nonce
 * the child reported on its own stdout. main/ does not import server/, so the derivation is
 * repeated here; test/main/identity.test.ts checks that both agree.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { LaunchReport } from './launch-report.js';

/** A definite answer that the listener is not our server: never retried. */
export class ImpostorError extends Error {}

export function identityProof(token: string, challenge: string, nonce: string): string {
  const key = createHmac('sha256', token).update('hearth identity v1').digest();
  return createHmac('sha256', key).update(`${challenge}\n${nonce}`).digest('hex');
}

type Fetch = (url: string, init: { signal: AbortSignal; redirect: 'error' }) => Promise<{ status: number; json(): Promise<unknown> }>;

/**
 * Resolves when the listener at `origin` proves it is the child that reported `report`. A network
 * failure rejects with a plain Error (worth retrying); a wrong answer with ImpostorError.
 */
export async function verifyLaunch(
  report: LaunchReport,
  { origin, token, fetch, signal }: { origin: string; token: string; fetch: Fetch; signal: AbortSignal },
): Promise<void> {
  const expected = new URL(origin);
  const loopback = report.address === '127.0.0.1' || report.address === '0.0.0.0' || report.address === '::' || report.address === '::ffff:127.0.0.1';
  if (!loopback || String(report.port) !== expected.port) {
    throw new ImpostorError(`the server reported it listens on ${report.address}:${report.port}, not on ${expected.host}`);
  }
  const challenge = randomBytes(32).toString('base64url');
  const res = await fetch(`${origin}/admin/v1/identity?challenge=${challenge}`, { signal, redirect: 'error' });
  let answer: unknown = null;
  try {
    answer = await res.json();
  } catch {
    // Not JSON: judged below like any other wrong answer.
  }
  const { nonce, proof } = (typeof answer === 'object' && answer !== null ? answer : {}) as { nonce?: unknown; proof?: unknown };
  const wanted = Buffer.from(identityProof(token, challenge, report.nonce), 'hex');
  const given = Buffer.from(typeof proof === 'string' && /^[0-9a-f]{64}$/.test(proof) ? proof : '', 'hex');
  if (res.status !== 200 || nonce !== report.nonce || given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
    throw new ImpostorError(`what answers at ${origin} is not the server this app started (its identity proof did not match)`);
  }
}
