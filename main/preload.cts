/**
 * The one bridge between the renderer and Electron. It runs sandboxed, where Electron loads
 * preloads as CommonJS and lets them `require` only 'electron' (and a few Node built-ins), so
 * this file is CommonJS (.cts → .cjs) and self-contained: imports below are type-only and vanish
 * from the output. Its argument checks repeat main/bridge-checks.ts on purpose — main checks
 * again, and test/main/bridge-checks.test.ts runs the same cases against both copies.
 */
import type { ExportKind, ExportQuery, HearthDesktopApi, ServerStatus } from './api.js';
import type { PreloadElectron } from './electron-types.js';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- a sandboxed preload is CommonJS and may only require('electron')
const { contextBridge, ipcRenderer } = require('electron') as PreloadElectron;

// Same strings as IPC in main/api.ts.
const CHANNEL = {
  getAdminToken: 'hearth:get-admin-token',
  saveExport: 'hearth:save-export',
  openDataFolder: 'hearth:open-data-folder',
  restartServer: 'hearth:restart-server',
  getServerLog: 'hearth:get-server-log',
  getServerStatus: 'hearth:get-server-status',
  serverStatus: 'hearth:server-status',
} as const;

const EXPORT_KINDS: readonly ExportKind[] = ['usage-csv', 'usage-jsonl', 'audit'];
const MAX_QUERY_VALUE_LENGTH = 200;

function checkExportKind(value: unknown): ExportKind {
  const kind = EXPORT_KINDS.find((k) => k === value);
  if (kind === undefined) throw new TypeError(`export kind must be one of ${EXPORT_KINDS.join(', ')}`);
  return kind;
}

function checkExportQuery(kind: ExportKind, value: unknown): ExportQuery {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError('export query must be an object');
  }
  const allowed: readonly string[] = kind === 'audit' ? ['from', 'to'] : ['from', 'to', 'model', 'key'];
  const query: ExportQuery = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!allowed.includes(name)) {
      throw new TypeError(`${kind} export has no filter "${name}"; use ${allowed.join(', ')}`);
    }
    if (raw === undefined) continue;
    if ((name === 'from' || name === 'to') && typeof raw === 'number') {
      if (!Number.isFinite(raw)) throw new TypeError(`${name} must be a finite number or a string`);
      query[name] = raw;
      continue;
    }
    if (typeof raw !== 'string') throw new TypeError(`${name} must be a string`);
    if (raw.length > MAX_QUERY_VALUE_LENGTH) {
      throw new TypeError(`${name} is longer than ${MAX_QUERY_VALUE_LENGTH} characters`);
    }
    if (name === 'from' || name === 'to' || name === 'model' || name === 'key') query[name] = raw;
  }
  return query;
}

function checkCallback(value: unknown): (status: ServerStatus) => void {
  if (typeof value !== 'function') throw new TypeError('onServerStatus needs a callback function');
  return value as (status: ServerStatus) => void;
}

// Results are re-shaped so nothing but plain data crosses to the page.
const api: HearthDesktopApi = {
  async getAdminToken() {
    const token = await ipcRenderer.invoke(CHANNEL.getAdminToken);
    if (typeof token !== 'string') throw new TypeError('main sent no admin token');
    return token;
  },
  async saveExport(kind, query) {
    const checkedKind = checkExportKind(kind);
    const checkedQuery = checkExportQuery(checkedKind, query);
    return (await ipcRenderer.invoke(CHANNEL.saveExport, checkedKind, checkedQuery)) as Awaited<
      ReturnType<HearthDesktopApi['saveExport']>
    >;
  },
  async openDataFolder() {
    await ipcRenderer.invoke(CHANNEL.openDataFolder);
  },
  async restartServer() {
    await ipcRenderer.invoke(CHANNEL.restartServer);
  },
  async getServerLog() {
    const lines = await ipcRenderer.invoke(CHANNEL.getServerLog);
    return Array.isArray(lines) ? lines.filter((line): line is string => typeof line === 'string') : [];
  },
  onServerStatus(callback) {
    const deliver = checkCallback(callback);
    let active = true;
    let pushed = false;
    // The event object is dropped: it carries `sender`, which is the raw ipcRenderer.
    const listener = (_event: unknown, status: unknown): void => {
      pushed = true;
      if (active) deliver(status as ServerStatus);
    };
    ipcRenderer.on(CHANNEL.serverStatus, listener);
    void ipcRenderer.invoke(CHANNEL.getServerStatus).then(
      (status) => {
        // A push that arrived first is newer than this answer.
        if (active && !pushed) deliver(status as ServerStatus);
      },
      () => undefined,
    );
    return () => {
      active = false;
      ipcRenderer.removeListener(CHANNEL.serverStatus, listener);
    };
  },
};

contextBridge.exposeInMainWorld('hearth', api);
