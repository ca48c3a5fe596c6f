import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { exportBundle } from '../../../server/usage/export-bundle.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { hashRecord, RECORD_SELECT } from '../../../server/usage/record.js';
import { ZERO_HASH } from '../../../server/usage/schema.js';
import { generateSigningKey } from '../../../server/usage/signing.js';
import type { StoredRecord } from '../../../server/usage/types.js';
import { verifyBundle, verifyBundleFile } from '../../../server/usage/verify-bundle.js';
import { parseLines } from './bundle-helpers.js';
import { collect, openTempDb, sampleRecord, type TempDb } from './helpers.js';

describe('exportBundle', () => {
  let t: TempDb;
  afterEach(() => t.cleanup());

  /** count records; batches of 4, so checkpoints land on multiples of 4 (and at close). */
  async function fill(count: number, checkpointEvery = 1000): Promise<ReturnType<typeof generateSigningKey>> {
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key, checkpointEvery, maxBatch: 4 });
    await Promise.all(Array.from({ length: count }, (_, i) => log.append(sampleRecord(i + 1))));
    await log.close();
    return key;
  }

  it('exports a time range whose header chains it to the records before', async () => {
    t = openTempDb();
    const key = await fill(20, 8);
    // sampleRecord(i) has time base + i s: [base+5s, base+12s) is seq 5..11.
    const base = 1_700_000_000_000;
    const text = await collect(exportBundle(t.db, { from: base + 5000, to: base + 12_000, signer: key }));
    const lines = parseLines(text);
    const records = lines.filter((l) => l.type === 'record');
    expect(records.map((r) => r.seq)).toEqual([5, 6, 7, 8, 9, 10, 11]);
    const hash4 = (t.db.prepare('SELECT hash FROM records WHERE seq = 4').get() as { hash: string }).hash;
    expect(lines[0]).toMatchObject({ type: 'header', from: base + 5000, to: base + 12_000, prevHash: hash4 });
    // The stored checkpoint at 8 and one made for this export at 11.
    expect(lines.filter((l) => l.type === 'checkpoint').map((c) => c.seq)).toEqual([8, 11]);
    expect(lines.at(-1)).toMatchObject({ type: 'end', count: 7, firstSeq: 5, lastSeq: 11 });
    expect(await verifyBundle(text, { fingerprint: key.fingerprint })).toMatchObject({ ok: true, count: 7, firstSeq: 5 });
    // Exporting again reuses that checkpoint.
    await collect(exportBundle(t.db, { from: base + 5000, to: base + 12_000, signer: key }));
    expect(t.db.prepare('SELECT COUNT(*) AS n FROM checkpoints WHERE seq = 11').get()).toEqual({ n: 1 });
  });

  it('exports an empty log as a signed, verifiable bundle of no records', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const text = await collect(exportBundle(t.db, { signer: key }));
    expect(parseLines(text).map((l) => l.type)).toEqual(['header', 'end']);
    expect(await verifyBundle(text)).toMatchObject({ ok: true, count: 0, firstSeq: null });
  });

  it('shows a record rewritten in the database, chain recomputed, at the checkpoint that signed it', async () => {
    t = openTempDb();
    const key = await fill(10, 4);
    // A forger without the key edits seq 2 and recomputes every hash after it.
    const rows = t.db.prepare(`SELECT ${RECORD_SELECT}, prev_hash AS prevHash, hash FROM records ORDER BY seq`).all() as StoredRecord[];
    const update = t.db.prepare('UPDATE records SET model = ?, prev_hash = ?, hash = ? WHERE seq = ?');
    let prev = ZERO_HASH;
    for (const { prevHash: _p, hash: _h, ...fields } of rows) {
      const edited = fields.seq === 2 ? { ...fields, model: 'other' } : fields;
      const hash = hashRecord(prev, edited);
      update.run(edited.model, prev, hash, edited.seq);
      prev = hash;
    }
    t.db.prepare('UPDATE chain_state SET head_hash = ?').run(prev);
    // The export refuses to sign over it: the stored checkpoints no longer match the chain.
    await expect(collect(exportBundle(t.db, { signer: key }))).rejects.toThrow(/record seq 10 differs from what was signed/);
  });

  it('shows records deleted from the database', async () => {
    t = openTempDb();
    const key = await fill(10, 4);
    t.db.prepare('DELETE FROM records WHERE seq = 6').run();
    expect(await verifyBundle(await collect(exportBundle(t.db, { signer: key })))).toMatchObject({ ok: false, seq: 6 });
    t.db.prepare('DELETE FROM records WHERE seq >= 9').run();
    // Its newest checkpoint (seq 10) is gone with the tail: the export refuses rather than sign the shorter chain.
    await expect(collect(exportBundle(t.db, { from: 1_700_000_007_000, signer: key }))).rejects.toThrow(/record seq 10, signed at .*, is missing/);
  });

  it('lets appends commit while an export is being read', async () => {
    t = openTempDb();
    const key = await fill(3000);
    const log = createUsageLog(t.db, { signer: key });
    const chunks = exportBundle(t.db, { signer: key, linesPerChunk: 100 });
    let text = '';
    let appended = 0;
    for await (const chunk of chunks) {
      text += chunk;
      if (appended < 5) {
        await log.append(sampleRecord(10_000 + appended));
        appended += 1;
      }
    }
    await log.close();
    expect(appended).toBe(5);
    expect(await verifyBundle(text)).toMatchObject({ ok: true, count: 3000 });
  });

  it('streams 100k records with modest memory', async () => {
    t = openTempDb();
    const key = generateSigningKey();
    const log = createUsageLog(t.db, { signer: key, maxBatch: 10_000 });
    const appends: Promise<number>[] = [];
    for (let i = 0; i < 100_000; i += 1) {
      appends.push(log.append(sampleRecord(i, { reason: 'x'.repeat(200) })));
    }
    await Promise.all(appends);
    await log.close();
    appends.length = 0;

    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let peak = 0;
    let bytes = 0;
    let chunks = 0;
    const file = join(t.dir, 'bundle.jsonl');
    const out = createWriteStream(file);
    for await (const chunk of exportBundle(t.db, { signer: key })) {
      bytes += Buffer.byteLength(chunk);
      chunks += 1;
      // Measured while the chunk is still held: what the export keeps alive besides it.
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - baseline);
      if (!out.write(chunk)) await once(out, 'drain');
    }
    out.end();
    await once(out, 'finish');
    // Holding the export would take more than its size; streaming keeps a chunk or two.
    expect(bytes).toBeGreaterThan(60_000_000);
    expect(chunks).toBeGreaterThan(90);
    expect(peak).toBeLessThan(16_000_000);
    expect(await verifyBundleFile(file, { fingerprint: key.fingerprint })).toMatchObject({ ok: true, count: 100_000 });
  });
});
