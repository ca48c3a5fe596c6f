/**
 * The desktop bridge: what the preload exposes to the renderer as `window.hearth`.
 * The renderer may `import type` from here; this file has no runtime dependencies.
 */

export type ExportKind = 'usage-csv' | 'usage-jsonl' | 'audit';

/** Filters passed to the server's export endpoints; `model` and `key` apply to usage only. */
export interface ExportQuery {
  from?: string | number;
  to?: string | number;
  model?: string;
  key?: string;
}

export type ExportResult = { saved: false } | { saved: true; path: string; bytes: number };

export type ServerState = 'starting' | 'running' | 'restarting' | 'stopped';

export interface ServerExit {
  code: number | null;
  signal: string | null;
  /** Epoch milliseconds. */
  at: number;
}

export interface ServerStatus {
  state: ServerState;
  pid: number | null;
  /** How many times the supervisor has started the server again after it exited. */
  restarts: number;
  lastExit: ServerExit | null;
  /** When the next start is due (epoch ms), while `state` is `restarting`. */
  nextStartAt: number | null;
  /** Why the server is stopped and will not be restarted by itself (the port is taken…), else null. */
  error: string | null;
}

export interface HearthDesktopApi {
  getAdminToken(): Promise<string>;
  /** Asks for a destination with the native save dialog; main downloads the export and writes it. */
  saveExport(kind: ExportKind, query?: ExportQuery): Promise<ExportResult>;
  openDataFolder(): Promise<void>;
  restartServer(): Promise<void>;
  /** The last lines the server printed (at most about 500). */
  getServerLog(): Promise<string[]>;
  /** Calls `callback` with the current status, then on every change. Returns an unsubscribe function. */
  onServerStatus(callback: (status: ServerStatus) => void): () => void;
}

/**
 * IPC channel names. The preload cannot import this file at runtime (sandboxed preloads load no
 * local modules), so it repeats these strings; test/main/preload.test.ts checks they agree.
 */
export const IPC = {
  getAdminToken: 'hearth:get-admin-token',
  saveExport: 'hearth:save-export',
  openDataFolder: 'hearth:open-data-folder',
  restartServer: 'hearth:restart-server',
  getServerLog: 'hearth:get-server-log',
  getServerStatus: 'hearth:get-server-status',
  serverStatus: 'hearth:server-status',
} as const;

export const EXPORT_KINDS: readonly ExportKind[] = ['usage-csv', 'usage-jsonl', 'audit'];

/** The longest filter value accepted; real values (ISO dates, model names, key ids) are far shorter. */
export const MAX_QUERY_VALUE_LENGTH = 200;
