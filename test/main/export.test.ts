import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SaveDialogOptions } from '../../main/electron-types.js';
import { createExporter, exportRequest } from '../../main/export.js';

const BASE = 'http://127.0.0.1:8600';
const TODAY = new Date('2025-03-04T10:00:00Z');

describe('exportRequest', () => {
  it('maps each kind to its admin endpoint with the filters', () => {
    expect(exportRequest('usage-csv', { from: '2025-01-01', model: 'demo' }, BASE, TODAY)).toEqual({
      url: `${BASE}/admin/v1/usage?from=2025-01-01&model=demo&format=csv`,
      defaultName: 'hearth-usage-2025-03-04.csv',
      filters: [{ name: 'CSV', extensions: ['csv'] }],
    });
    expect(exportRequest('usage-jsonl', { key: 'k 1', to: 1_700_000_000_000 }, BASE, TODAY).url).toBe(
      `${BASE}/admin/v1/usage?to=1700000000000&key=k+1&format=jsonl`,
    );
    expect(exportRequest('audit', {}, BASE, TODAY)).toEqual({
      url: `${BASE}/admin/v1/audit/export`,
      defaultName: 'hearth-audit-2025-03-04.jsonl',
      filters: [{ name: 'Hearth audit bundle (JSON Lines)', extensions: ['jsonl'] }],
    });
    expect(exportRequest('audit', { from: '2025-01-01', to: '2025-02-01' }, BASE, TODAY).url).toBe(
      `${BASE}/admin/v1/audit/export?from=2025-01-01&to=2025-02-01`,
    );
  });
});

describe('createExporter', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hearth-export-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function setup({ filePath, response }: { filePath: string | null; response: () => Response }) {
    const requests: Array<{ url: string; headers: Record<string, string> }> = [];
    const dialogs: SaveDialogOptions[] = [];
    const save = createExporter({
      baseUrl: BASE,
      adminToken: () => 'tok',
      defaultDir: '/home/admin/Downloads',
      today: () => TODAY,
      showSaveDialog: async (options) => {
        dialogs.push(options);
        return filePath === null ? { canceled: true } : { canceled: false, filePath };
      },
      fetch: async (url, init) => {
        requests.push({ url, headers: init.headers });
        return response();
      },
    });
    return { save, requests, dialogs };
  }

  it('asks where to save, downloads with the admin token and writes the file', async () => {
    const target = join(dir, 'usage.csv');
    const body = 'ts,model,version\n2025-03-01T00:00:00Z,demo,1\n';
    const { save, requests, dialogs } = setup({ filePath: target, response: () => new Response(body) });

    expect(await save('usage-csv', { model: 'demo' })).toEqual({ saved: true, path: target, bytes: Buffer.byteLength(body) });
    expect(readFileSync(target, 'utf8')).toBe(body);
    expect(requests).toEqual([
      { url: `${BASE}/admin/v1/usage?model=demo&format=csv`, headers: { authorization: 'Bearer tok' } },
    ]);
    expect(dialogs).toEqual([
      {
        title: 'Save usage log',
        defaultPath: join('/home/admin/Downloads', 'hearth-usage-2025-03-04.csv'),
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      },
    ]);
    expect(readdirSync(dir)).toEqual(['usage.csv']);
  });

  it('does nothing when the dialog is cancelled', async () => {
    const { save, requests } = setup({ filePath: null, response: () => new Response('x') });
    expect(await save('audit', {})).toEqual({ saved: false });
    expect(requests).toEqual([]);
  });

  it("reports the server's error and leaves the chosen file untouched", async () => {
    const target = join(dir, 'audit.jsonl');
    writeFileSync(target, 'previous export');
    const { save } = setup({
      filePath: target,
      response: () => Response.json({ error: 'the admin token is wrong; copy it from the data folder' }, { status: 401 }),
    });
    await expect(save('audit', {})).rejects.toThrow('the server refused the export (401): the admin token is wrong');
    expect(readFileSync(target, 'utf8')).toBe('previous export');
    expect(readdirSync(dir)).toEqual(['audit.jsonl']);
  });

  it('leaves no partial file when the download breaks off', async () => {
    const target = join(dir, 'usage.jsonl');
    const broken = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"a":1}\n'));
        controller.error(new Error('connection reset'));
      },
    });
    const { save } = setup({ filePath: target, response: () => new Response(broken) });
    await expect(save('usage-jsonl', {})).rejects.toThrow('connection reset');
    expect(readdirSync(dir)).toEqual([]);
  });
});
