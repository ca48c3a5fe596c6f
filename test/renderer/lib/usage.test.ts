import { describe, expect, test } from 'vitest';
import type { RecordFields } from '../../../server/usage/types.js';
import { describeOutcome, latencyMs, outcomeTone, parseUsagePage } from '../../../renderer/lib/usage.js';

const record = (over: Partial<RecordFields>): RecordFields => ({
  seq: 1, kind: 'inference', time: 0, requestId: null, client: null, keyId: null, model: 'iris', version: 2,
  outcome: 'success', status: 200, latencyUs: 1500, batchSize: 1, bytesIn: 10, bytesOut: 20, reason: null,
  action: null, actor: null, detail: null, ...over,
});

describe('usage table', () => {
  test('reads {rows, nextBeforeSeq} and the older {records} shape', () => {
    expect(parseUsagePage({ rows: [record({})], nextBeforeSeq: 7 })).toEqual({ rows: [record({})], nextBeforeSeq: 7 });
    expect(parseUsagePage({ records: [record({ seq: 2 })] })).toEqual({ rows: [record({ seq: 2 })], nextBeforeSeq: null });
    expect(parseUsagePage(null)).toEqual({ rows: [], nextBeforeSeq: null });
  });

  test('outcomes in words and tones', () => {
    expect(describeOutcome(record({}))).toBe('ok');
    expect(describeOutcome(record({ outcome: 'rejected', status: 401, reason: 'needs a key' }))).toBe('rejected: needs a key');
    expect(describeOutcome(record({ kind: 'admin', action: 'promote' }))).toBe('promote');
    expect(outcomeTone(record({ outcome: 'error' }))).toBe('bad');
    expect(outcomeTone(record({ kind: 'admin' }))).toBe('info');
    expect(latencyMs(record({ latencyUs: 1500 }))).toBe(1.5);
    expect(latencyMs(record({ latencyUs: null }))).toBeNull();
  });
});
