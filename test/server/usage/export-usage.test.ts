import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvCell } from '../../../server/usage/csv.js';
import { exportUsage } from '../../../server/usage/export-usage.js';
import { createUsageLog } from '../../../server/usage/log.js';
import { collect, openTempDb, sampleRecord, type TempDb } from './helpers.js';

/** A small RFC 4180 parser, to read back what the export wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  expect(cell).toBe('');
  return rows;
}

describe('exportUsage', () => {
  let t: TempDb;
  const BASE = 1_700_000_000_000;

  beforeEach(async () => {
    t = openTempDb();
    const log = createUsageLog(t.db);
    for (let i = 1; i <= 2500; i += 1) void log.append(sampleRecord(i));
    await log.append(
      sampleRecord(2501, { outcome: 'error', status: 400, reason: 'bad "input", line 1\nline 2', model: '=cmd|calc' }),
    );
    await log.appendAdmin({ action: 'register', actor: 'cli', model: 'bert', version: 3 });
    await log.close();
  });
  afterEach(() => t.cleanup());

  it('escapes CSV cells', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('=1+1')).toBe("'=1+1");
    expect(csvCell('-2,3')).toBe(`"'-2,3"`);
    expect(csvCell(-5)).toBe('-5');
    expect(csvCell(null)).toBe('');
  });

  it('streams CSV in chunks that a CSV reader reads back exactly', async () => {
    const chunks: string[] = [];
    for await (const chunk of exportUsage(t.db, { format: 'csv' })) chunks.push(chunk);
    // The header, then 1000 rows a chunk: 1000 + 1000 + 501.
    expect(chunks).toHaveLength(4);
    const rows = parseCsv(chunks.join(''));
    expect(rows[0].slice(0, 6)).toEqual(['seq', 'time', 'timeIso', 'kind', 'requestId', 'client']);
    expect(rows).toHaveLength(2502);
    const header = rows[0];
    const last = Object.fromEntries(header.map((h, i) => [h, rows[2501][i]]));
    expect(last).toMatchObject({
      seq: '2501',
      time: String(BASE + 2_501_000),
      timeIso: new Date(BASE + 2_501_000).toISOString(),
      kind: 'inference',
      model: "'=cmd|calc",
      outcome: 'error',
      status: '400',
      reason: 'bad "input", line 1\nline 2',
      action: '',
    });
    expect(rows.every((r) => r.length === header.length)).toBe(true);
  });

  it('filters by time, model and key, and writes JSON Lines', async () => {
    const text = await collect(
      exportUsage(t.db, { format: 'jsonl', from: BASE + 100_000, to: BASE + 200_000, model: 'resnet', keyId: 'key-a' }),
    );
    const rows = text.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // i in [100, 200), i % 3 === 0 (resnet), i even (key-a): 102, 108, …, 198.
    expect(rows.map((r) => r.seq)).toEqual(Array.from({ length: 17 }, (_, i) => 102 + 6 * i));
    expect(rows[0]).toMatchObject({ model: 'resnet', keyId: 'key-a', time: BASE + 102_000, latencyUs: 1602, detail: null });

    const admin = await collect(exportUsage(t.db, { format: 'jsonl', kind: 'admin' }));
    expect(JSON.parse(admin)).toMatchObject({ kind: 'admin', action: 'register', actor: 'cli', version: 3 });
  });
});
