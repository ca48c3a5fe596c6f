import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { hashRecord } from '../../../server/usage/record.js';
import { generateSigningKey, type SigningKey } from '../../../server/usage/signing.js';
import type { RecordFields } from '../../../server/usage/types.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { forge, joinLines, parseLines, smallBundle, type Line } from './bundle-helpers.js';
import { openTempDb, type TempDb } from './helpers.js';

describe('verifyBundle', () => {
  let t: TempDb;
  let key: SigningKey;
  let bundle: string;
  let lines: Line[];

  beforeEach(async () => {
    t = openTempDb();
    key = generateSigningKey();
    bundle = await smallBundle(t, key);
    lines = parseLines(bundle);
  });
  afterEach(() => t.cleanup());

  const recordLine = (seq: number): number => lines.findIndex((l) => l.type === 'record' && l.seq === seq);

  it('accepts an intact bundle and says whether the key was pinned', async () => {
    expect(lines.map((l) => l.type)).toEqual(['header', 'record', 'record', 'record', 'record', 'record', 'checkpoint', 'end']);
    expect(await verifyBundle(bundle)).toMatchObject({
      ok: true,
      count: 5,
      firstSeq: 1,
      lastSeq: 5,
      fingerprint: key.fingerprint,
      pinned: false,
    });
    expect(await verifyBundle(bundle, { publicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true, pinned: true });
    expect(await verifyBundle(Buffer.from(bundle), { fingerprint: key.fingerprint.toUpperCase() })).toMatchObject({
      ok: true,
      pinned: true,
    });
  });

  it('fails on every single changed byte', async () => {
    const bytes = Buffer.from(bundle);
    const passed: string[] = [];
    for (const mask of [0x01, 0x20]) {
      for (let i = 0; i < bytes.length; i += 1) {
        const copy = Buffer.from(bytes);
        copy[i] ^= mask;
        const result = await verifyBundle(copy);
        if (result.ok) passed.push(`byte ${i} ^ ${mask}`);
      }
    }
    expect(passed).toEqual([]);
  });

  it('names a changed record', async () => {
    const edited = lines.map((l) => (l.type === 'record' && l.seq === 2 ? { ...l, status: 200 } : l));
    expect(await verifyBundle(joinLines(edited))).toMatchObject({ ok: false, seq: 2, line: 3, reason: expect.stringMatching(/changed/) as unknown });
  });

  it('names a deleted record', async () => {
    const without = lines.filter((_, i) => i !== recordLine(3));
    expect(await verifyBundle(joinLines(without))).toMatchObject({ ok: false, seq: 3, line: 4, reason: expect.stringMatching(/missing/) as unknown });
  });

  it('names an inserted record, even one whose hash is consistent', async () => {
    const before = lines[recordLine(2)];
    const fields = { ...(lines[recordLine(3)] as Record<string, unknown>) };
    delete fields.type;
    delete fields.prevHash;
    delete fields.hash;
    const fake = { ...(fields as unknown as RecordFields), model: 'forged', seq: 3 };
    const fakeLine = { type: 'record', ...fake, prevHash: before.hash, hash: hashRecord(before.hash as string, fake) };
    const inserted = [...lines.slice(0, recordLine(3)), fakeLine, ...lines.slice(recordLine(3))];
    expect(await verifyBundle(joinLines(inserted))).toMatchObject({ ok: false, seq: 3, line: 5, reason: expect.stringMatching(/again/) as unknown });

    const garbage = { ...fakeLine, hash: 'f'.repeat(64) };
    const inserted2 = [...lines.slice(0, recordLine(3)), garbage, ...lines.slice(recordLine(3))];
    expect(await verifyBundle(joinLines(inserted2))).toMatchObject({ ok: false, seq: 3, line: 4 });
  });

  it('names the first record of a reordered pair', async () => {
    const swapped = [...lines];
    [swapped[recordLine(2)], swapped[recordLine(3)]] = [swapped[recordLine(3)], swapped[recordLine(2)]];
    expect(await verifyBundle(joinLines(swapped))).toMatchObject({ ok: false, seq: 2, line: 3 });
  });

  it('detects a truncated tail however it is cut', async () => {
    // Cut after the last record: no checkpoint, no end.
    const cut = joinLines(lines.slice(0, recordLine(5) + 1));
    expect(await verifyBundle(cut)).toMatchObject({ ok: false, line: 7, reason: expect.stringMatching(/truncated after record seq 5/) as unknown });
    // Cut mid-line.
    expect(await verifyBundle(bundle.slice(0, bundle.length - 10))).toMatchObject({ ok: false, line: 8, reason: expect.stringMatching(/truncated/) as unknown });
    // The end line kept but the last record and its checkpoint dropped.
    const dropped = lines.filter((_, i) => i !== recordLine(5) && lines[i].type !== 'checkpoint');
    expect(await verifyBundle(joinLines(dropped))).toMatchObject({ ok: false, line: 6 });
    // Without its final newline the last line is incomplete too.
    expect(await verifyBundle(bundle.slice(0, -1))).toMatchObject({ ok: false, line: 8 });
    expect(await verifyBundle('')).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/truncated/) as unknown });
  });

  it('rejects history re-signed with another key when the key is pinned', async () => {
    const forger = generateSigningKey();
    const forged = forge(lines, forger, (r) => (r.seq === 2 ? { ...r, outcome: 'success', status: 200, reason: null } : r));
    // Unpinned, a consistent forgery verifies: only pinning tells who signed.
    expect(await verifyBundle(forged)).toMatchObject({ ok: true, pinned: false, fingerprint: forger.fingerprint });
    expect(await verifyBundle(forged, { fingerprint: key.fingerprint })).toMatchObject({
      ok: false,
      line: 1,
      reason: expect.stringMatching(/not by the pinned key/) as unknown,
    });
    expect(await verifyBundle(forged, { publicKeyPem: key.publicKeyPem })).toMatchObject({ ok: false, line: 1 });
  });

  it('rejects a forgery that keeps the genuine key in the header', async () => {
    const forger = generateSigningKey();
    const forged = parseLines(forge(lines, forger, (r) => (r.seq === 4 ? { ...r, actor: 'someone-else' } : r)));
    forged[0] = lines[0];
    expect(await verifyBundle(joinLines(forged))).toMatchObject({
      ok: false,
      seq: 5,
      line: 7,
      reason: expect.stringMatching(/signature|a key the header does not list/) as unknown,
    });
  });

  it('rejects lines that are not in canonical form', async () => {
    const spaced = bundle.replace('"format":', '"format": ');
    expect(await verifyBundle(spaced)).toMatchObject({ ok: false, line: 1, reason: expect.stringMatching(/canonical/) as unknown });
    const crlf = bundle.replaceAll('\n', '\r\n');
    expect(await verifyBundle(crlf)).toMatchObject({ ok: false, line: 1 });
    expect(await verifyBundle(`${bundle}\n`)).toMatchObject({ ok: false, line: 9, reason: expect.stringMatching(/after the end/) as unknown });
  });
});
