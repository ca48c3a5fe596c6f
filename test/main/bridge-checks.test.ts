/**
 * The preload and main each check saveExport's arguments (the preload cannot import main's
 * module), so one table runs against both copies.
 */
import { describe, expect, it } from 'vitest';
import { IPC, type ExportQuery, type HearthDesktopApi } from '../../main/api.js';
import { assertNoArguments, BridgeArgumentError, parseExportKind, parseExportQuery } from '../../main/bridge-checks.js';
import { loadPreload } from './load-preload.js';

type Case = [name: string, kind: unknown, query: unknown, expected: ExportQuery | 'rejected'];

const CASES: Case[] = [
  ['no query', 'usage-csv', undefined, {}],
  ['empty query', 'usage-jsonl', {}, {}],
  ['every usage filter', 'usage-csv', { from: '2025-01-01', to: '2025-02-01', model: 'demo', key: 'k_1' }, { from: '2025-01-01', to: '2025-02-01', model: 'demo', key: 'k_1' }],
  ['epoch milliseconds', 'audit', { from: 1_700_000_000_000, to: '2025-02-01' }, { from: 1_700_000_000_000, to: '2025-02-01' }],
  ['undefined filters dropped', 'usage-csv', { from: undefined, model: 'demo' }, { model: 'demo' }],
  ['200 characters', 'usage-csv', { key: 'k'.repeat(200) }, { key: 'k'.repeat(200) }],
  ['unknown kind', 'pdf', {}, 'rejected'],
  ['kind in capitals', 'USAGE-CSV', {}, 'rejected'],
  ['no kind', undefined, undefined, 'rejected'],
  ['kind as object', { toString: () => 'audit' }, undefined, 'rejected'],
  ['a file path smuggled in', 'usage-csv', { path: '/etc/passwd' }, 'rejected'],
  ['model filter on audit', 'audit', { model: 'demo' }, 'rejected'],
  ['query as string', 'usage-csv', 'from=1', 'rejected'],
  ['query null', 'usage-csv', null, 'rejected'],
  ['query array', 'usage-csv', [], 'rejected'],
  ['from as object', 'usage-csv', { from: {} }, 'rejected'],
  ['model as number', 'usage-csv', { model: 3 }, 'rejected'],
  ['from NaN', 'usage-csv', { from: Number.NaN }, 'rejected'],
  ['to Infinity', 'audit', { to: Number.POSITIVE_INFINITY }, 'rejected'],
  ['201 characters', 'usage-csv', { key: 'k'.repeat(201) }, 'rejected'],
];

function mainCheck(kind: unknown, query: unknown): ExportQuery {
  return parseExportQuery(parseExportKind(kind), query);
}

describe('saveExport argument checks', () => {
  it.each(CASES)('main: %s', (_name, kind, query, expected) => {
    if (expected === 'rejected') expect(() => mainCheck(kind, query)).toThrow(BridgeArgumentError);
    else expect(mainCheck(kind, query)).toEqual(expected);
  });

  it.each(CASES)('preload: %s', async (_name, kind, query, expected) => {
    const preload = loadPreload(() => ({ saved: false }));
    const api = preload.exposed.get('hearth') as HearthDesktopApi;
    const call = api.saveExport(kind as never, query as never);
    if (expected === 'rejected') {
      await expect(call).rejects.toThrow(TypeError);
      expect(preload.invocations).toEqual([]);
    } else {
      expect(await call).toEqual({ saved: false });
      expect(preload.invocations).toEqual([{ channel: IPC.saveExport, args: [kind, expected] }]);
    }
  });

  it('calls without arguments take none', () => {
    expect(() => assertNoArguments([])).not.toThrow();
    expect(() => assertNoArguments(['/etc'])).toThrow(BridgeArgumentError);
  });
});
