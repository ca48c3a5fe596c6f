/**
 * Main's side of the desktop bridge. Every call is answered only for the top frame of the server's
 * own UI, and its arguments are checked here again — the preload's checks protect the page from
 * mistakes, these protect main from a page that bypassed them.
 */
import { IPC, type ExportKind, type ExportQuery, type ExportResult, type ServerStatus } from './api.js';
import { assertNoArguments, parseExportKind, parseExportQuery } from './bridge-checks.js';
import type { IpcMain, IpcMainInvokeEvent } from './electron-types.js';
import { isTrustedSender } from './window.js';

export interface BridgeHandlers {
  getAdminToken(): string;
  saveExport(kind: ExportKind, query: ExportQuery): Promise<ExportResult>;
  openDataFolder(): Promise<void>;
  restartServer(): Promise<void>;
  getServerLog(): string[];
  getServerStatus(): ServerStatus;
}

export class UntrustedSenderError extends Error {
  override name = 'UntrustedSenderError';
  constructor() {
    super('Hearth answers only its own UI');
  }
}

/** Registers one ipcMain handler per bridge call; the returned function removes them again. */
export function registerBridge(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, allowedOrigin: string, handlers: BridgeHandlers) {
  const guarded: Record<string, (args: unknown[]) => unknown> = {
    [IPC.getAdminToken]: (args) => {
      assertNoArguments(args);
      return handlers.getAdminToken();
    },
    [IPC.saveExport]: (args) => {
      if (args.length > 2) throw new TypeError('saveExport takes a kind and a query');
      const kind = parseExportKind(args[0]);
      return handlers.saveExport(kind, parseExportQuery(kind, args[1]));
    },
    [IPC.openDataFolder]: (args) => {
      assertNoArguments(args);
      return handlers.openDataFolder();
    },
    [IPC.restartServer]: (args) => {
      assertNoArguments(args);
      return handlers.restartServer();
    },
    [IPC.getServerLog]: (args) => {
      assertNoArguments(args);
      return handlers.getServerLog();
    },
    [IPC.getServerStatus]: (args) => {
      assertNoArguments(args);
      return handlers.getServerStatus();
    },
  };
  for (const [channel, handle] of Object.entries(guarded)) {
    ipcMain.handle(channel, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
      if (!isTrustedSender(event, allowedOrigin)) throw new UntrustedSenderError();
      return handle(args);
    });
  }
  return () => {
    for (const channel of Object.keys(guarded)) ipcMain.removeHandler(channel);
  };
}
