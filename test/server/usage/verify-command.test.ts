import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey, type SigningKey } from '../../../server/usage/signing.js';
import { runVerifyCommand } from '../../../server/usage/verify-command.js';
import { joinLines, parseLines, smallBundle } from './bundle-helpers.js';
import { openTempDb, type TempDb } from './helpers.js';

describe('runVerifyCommand', () => {
  let t: TempDb;
  let key: SigningKey;
  let file: string;
  let out: string[];
  let err: string[];
  const io = () => ({ print: (l: string) => out.push(l), printError: (l: string) => err.push(l) });

  beforeEach(async () => {
    t = openTempDb();
    key = generateSigningKey();
    file = join(t.dir, 'audit.jsonl');
    writeFileSync(file, await smallBundle(t, key));
    out = [];
    err = [];
  });
  afterEach(() => t.cleanup());

  it('prints OK and exits 0 for an intact bundle, noting when the key was not pinned', async () => {
    expect(await runVerifyCommand(file, io())).toBe(0);
    expect(out[0]).toBe(`OK: 5 records, chain intact, signed by ${key.fingerprint}`);
    expect(out.at(-1)).toMatch(/not pinned/);
    expect(out).toContain('Exported at: 2023-11-14T22:15:00.000Z');
    expect(out).toContain('Sequence: 1 to 5');
    out = [];
    const pem = join(t.dir, 'pub.pem');
    writeFileSync(pem, key.publicKeyPem);
    expect(await runVerifyCommand(file, { ...io(), pubkey: pem })).toBe(0);
    expect(out[0]).toBe(`OK: 5 records, chain intact, signed by ${key.fingerprint}`);
    expect(out.join('\n')).not.toMatch(/not pinned/);
  });

  it('prints the first bad record and exits 1', async () => {
    const lines = parseLines(readFileSync(file, 'utf8'));
    writeFileSync(file, joinLines(lines.map((l) => (l.type === 'record' && l.seq === 3 ? { ...l, bytesOut: 1 } : l))));
    expect(await runVerifyCommand(file, io())).toBe(1);
    expect(err).toEqual(['FAILED at record seq 3 (line 4): hash does not match the record: its contents were changed']);
  });

  it('fails a bundle signed by another key than the pinned one', async () => {
    expect(await runVerifyCommand(file, { ...io(), fingerprint: generateSigningKey().fingerprint })).toBe(1);
    expect(err[0]).toMatch(/^FAILED at line 1: signed by key [0-9a-f]{64}, not by the pinned key/);
  });

  it('exits 2 when the file cannot be read', async () => {
    expect(await runVerifyCommand(join(t.dir, 'missing.jsonl'), io())).toBe(2);
    expect(err[0]).toMatch(/cannot read the bundle/);
  });
});
