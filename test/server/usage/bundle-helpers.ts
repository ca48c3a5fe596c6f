import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../server/usage/canonical.js';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { hashRecord } from '../../../server/usage/record.js';
import { signPayload, type SigningKey } from '../../../server/usage/signing.js';
import type { RecordFields } from '../../../server/usage/types.js';
import { collect, sampleRecord, type TempDb } from './helpers.js';

/** Five records (the fourth an admin action) and a bundle of them: 8 lines, checkpoint at seq 5. */
export async function smallBundle(t: TempDb, key: SigningKey): Promise<string> {
  const log = createUsageLog(t.db, { signer: key, now: () => 1_700_000_000_000 });
  await log.append(sampleRecord(1));
  await log.append(sampleRecord(2, { outcome: 'error', status: 400, reason: 'input "x": shape [1,3] expected [1,4]' }));
  await log.append(sampleRecord(3, { keyId: null, client: '127.0.0.1' }));
  await log.appendAdmin({ action: 'key_created', actor: 'admin-token', detail: { id: 'key-c', name: 'lab, "north"' } });
  await log.append(sampleRecord(5, { model: 'ünïcode-模型' }));
  await log.close();
  return collect(exportBundle(t.db, { signer: key, now: () => 1_700_000_100_000 }));
}

export type Line = Record<string, unknown>;

export function parseLines(bundle: string): Line[] {
  return bundle
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Line);
}

export function joinLines(lines: readonly Line[]): string {
  return lines.map((l) => `${canonicalJson(l)}\n`).join('');
}

/**
 * What a forger holding `key` would do: rewrite the records, recompute the chain, re-sign every
 * checkpoint and the end, and put `key` in the header.
 */
export function forge(lines: readonly Line[], key: SigningKey, edit: (r: RecordFields) => RecordFields = (r) => r): string {
  const out: Line[] = [];
  const digest = createHash('sha256');
  const push = (l: Line): void => {
    out.push(l);
    digest.update(`${canonicalJson(l)}\n`);
  };
  let prev = '';
  for (const line of lines) {
    if (line.type === 'header') {
      prev = line.prevHash as string;
      push({ ...line, publicKey: key.publicKeyPem, fingerprint: key.fingerprint });
    } else if (line.type === 'record') {
      const { type: _t, prevHash: _p, hash: _h, ...fields } = line;
      const edited = edit(fields as unknown as RecordFields);
      const hash = hashRecord(prev, edited);
      push({ type: 'record', ...edited, prevHash: prev, hash });
      prev = hash;
    } else if (line.type === 'checkpoint') {
      const payload = { type: 'checkpoint', seq: line.seq, hash: prev, time: line.time };
      push({ ...payload, signature: signPayload(key, payload), ...('fingerprint' in line ? { fingerprint: key.fingerprint } : {}) });
    } else {
      const { signature: _old, ...rest } = line;
      const end = { ...rest, lastHash: prev, digest: digest.digest('hex') };
      out.push({ ...end, signature: signPayload(key, end) });
    }
  }
  return joinLines(out);
}
