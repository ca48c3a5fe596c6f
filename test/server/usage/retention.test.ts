import { afterEach, describe, expect, it } from 'vitest';
import { getChainState } from '../../../server/usage/chain-state.js';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { pruneBefore } from '../../../server/usage/retention.js';
import { generateSigningKey } from '../../../server/usage/signing.js';
import { verifyBundle } from '../../../server/usage/verify-bundle.js';
import { parseLines } from './bundle-helpers.js';
import { collect, openTempDb, sampleRecord, type TempDb } from './helpers.js';

const BASE = 1_700_000_000_000;

describe('pruneBefore', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  it('deletes the oldest records and leaves the rest verifiable', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key, checkpointEvery: 4, maxBatch: 2 });
    for (let i = 1; i <= 12; i += 1) await log.append(sampleRecord(i));
    const hash6 = (t.db.prepare('SELECT hash FROM records WHERE seq = 6').get() as { hash: string }).hash;

    // sampleRecord(i).time = BASE + i s: records 1..6 are older than BASE + 7 s.
    expect(pruneBefore(t.db, BASE + 7000, BASE + 99_000)).toEqual({ pruned: 6, baseSeq: 6, baseHash: hash6 });
    expect(t.db.prepare('SELECT MIN(seq) AS lo, COUNT(*) AS n FROM records').get()).toEqual({ lo: 7, n: 6 });
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM checkpoints WHERE seq <= 6').get()).toEqual({ n: 0 });
    expect(getChainState(t.db)).toMatchObject({ baseSeq: 6, baseHash: hash6, prunedAt: BASE + 99_000, headSeq: 12 });

    const bundle = await collect(exportBundle(t.db, { signer: key }));
    expect(parseLines(bundle)[0].prevHash).toBe(hash6);
    expect(await verifyBundle(bundle, { publicKeyPem: key.publicKeyPem })).toMatchObject({ ok: true, count: 6, firstSeq: 7 });

    // The chain goes on after pruning.
    await expect(log.append(sampleRecord(13))).resolves.toBe(13);
    await log.close();
    expect(await verifyBundle(await collect(exportBundle(t.db, { signer: key })))).toMatchObject({ ok: true, count: 7 });
    // Pruning again at the same point does nothing.
    expect(pruneBefore(t.db, BASE + 7000)).toMatchObject({ pruned: 0, baseSeq: 6 });
  });

  it('keeps numbering after everything is pruned', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key });
    for (let i = 1; i <= 3; i += 1) await log.append(sampleRecord(i));
    const head = getChainState(t.db).headHash;
    expect(pruneBefore(t.db, BASE + 60_000)).toMatchObject({ pruned: 3, baseSeq: 3, baseHash: head });
    await expect(log.append(sampleRecord(100))).resolves.toBe(4);
    await log.close();
    const bundle = await collect(exportBundle(t.db, { signer: key }));
    expect(parseLines(bundle)[0].prevHash).toBe(head);
    expect(await verifyBundle(bundle)).toMatchObject({ ok: true, count: 1, firstSeq: 4 });
  });

  it('stops at a record with a later time rather than leave a hole', async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    await log.append(sampleRecord(1));
    await log.append(sampleRecord(50)); // a clock that jumped ahead
    await log.append(sampleRecord(2));
    await log.close();
    expect(pruneBefore(t.db, BASE + 10_000)).toMatchObject({ pruned: 1, baseSeq: 1 });
  });
});
