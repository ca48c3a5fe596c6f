/**
 * Saves a usage or audit export where the admin chooses: main asks with the native dialog,
 * downloads from the server's admin API and writes the file. The renderer never names a path.
 */
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import type { ExportKind, ExportQuery, ExportResult } from './api.js';
import type { FileFilter, SaveDialogOptions, SaveDialogReturnValue } from './electron-types.js';

export interface ExportRequest {
  url: string;
  defaultName: string;
  filters: FileFilter[];
}

/** The server URL and the suggested file for one export. */
export function exportRequest(kind: ExportKind, query: ExportQuery, baseUrl: string, today = new Date()): ExportRequest {
  const date = today.toISOString().slice(0, 10);
  const params = new URLSearchParams();
  for (const name of ['from', 'to', 'model', 'key'] as const) {
    const value = query[name];
    if (value !== undefined) params.set(name, String(value));
  }
  switch (kind) {
    case 'usage-csv':
      params.set('format', 'csv');
      return {
        url: `${baseUrl}/admin/v1/usage?${params}`,
        defaultName: `hearth-usage-${date}.csv`,
        filters: [{ name: 'CSV', extensions: ['csv'] }],
      };
    case 'usage-jsonl':
      params.set('format', 'jsonl');
      return {
        url: `${baseUrl}/admin/v1/usage?${params}`,
        defaultName: `hearth-usage-${date}.jsonl`,
        filters: [{ name: 'JSON Lines', extensions: ['jsonl'] }],
      };
    case 'audit': {
      const search = params.toString();
      return {
        url: `${baseUrl}/admin/v1/audit/export${search === '' ? '' : `?${search}`}`,
        defaultName: `hearth-audit-${date}.jsonl`,
        filters: [{ name: 'Hearth audit bundle (JSON Lines)', extensions: ['jsonl'] }],
      };
    }
  }
}

export type ExportFetch = (url: string, init: { headers: Record<string, string> }) => Promise<Response>;

export interface ExporterOptions {
  baseUrl: string;
  adminToken: () => string;
  showSaveDialog: (options: SaveDialogOptions) => Promise<SaveDialogReturnValue>;
  /** Where the dialog opens. */
  defaultDir: string;
  fetch?: ExportFetch;
  today?: () => Date;
}

export function createExporter({
  baseUrl,
  adminToken,
  showSaveDialog,
  defaultDir,
  fetch = (url, init) => globalThis.fetch(url, init),
  today = () => new Date(),
}: ExporterOptions) {
  return async function saveExport(kind: ExportKind, query: ExportQuery): Promise<ExportResult> {
    const request = exportRequest(kind, query, baseUrl, today());
    const choice = await showSaveDialog({
      title: kind === 'audit' ? 'Save audit export' : 'Save usage log',
      defaultPath: join(defaultDir, request.defaultName),
      filters: request.filters,
    });
    if (choice.canceled || choice.filePath === undefined || choice.filePath === '') return { saved: false };
    const response = await fetch(request.url, { headers: { authorization: `Bearer ${adminToken()}` } });
    if (!response.ok || response.body === null) {
      throw new Error(`the server refused the export (${response.status}): ${await errorMessage(response)}`);
    }
    const path = choice.filePath;
    const bytes = await writeAtomically(path, response.body);
    return { saved: true, path, bytes };
  };
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null && 'error' in body && typeof body.error === 'string') return body.error;
  } catch {
    // not JSON; fall through to the raw text
  }
  return text.slice(0, 200) || response.statusText || 'no reason given';
}

// A download that fails halfway must not leave a truncated file under the chosen name.
async function writeAtomically(path: string, body: ReadableStream<Uint8Array>): Promise<number> {
  const partial = `${path}.${randomBytes(4).toString('hex')}.part`;
  try {
    await pipeline(Readable.fromWeb(body as NodeReadableStream<Uint8Array>), createWriteStream(partial, { flags: 'wx' }));
    await rename(partial, path);
  } catch (error) {
    await unlink(partial).catch(() => undefined);
    throw error;
  }
  return (await stat(path)).size;
}
