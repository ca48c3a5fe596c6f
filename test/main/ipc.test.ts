import { describe, expect, it } from 'vitest';
import { IPC, type ExportKind, type ExportQuery, type ServerStatus } from '../../main/api.js';
import { BridgeArgumentError } from '../../main/bridge-checks.js';
import { registerBridge, UntrustedSenderError } from '../../main/ipc.js';
import { FakeIpcMain, frameEvent } from './fake-electron.js';

const ORIGIN = 'http://127.0.0.1:8600';
const UI = frameEvent(`${ORIGIN}/ui/`);

function setup() {
  const ipcMain = new FakeIpcMain();
  const calls: string[] = [];
  const exports: Array<[ExportKind, ExportQuery]> = [];
  const running: ServerStatus = { state: 'running', pid: 42, restarts: 1, lastExit: null, nextStartAt: null, error: null };
  const dispose = registerBridge(ipcMain, ORIGIN, {
    getAdminToken: () => {
      calls.push('token');
      return 'the-token';
    },
    saveExport: async (kind, query) => {
      exports.push([kind, query]);
      return { saved: true, path: '/home/admin/usage.csv', bytes: 12 };
    },
    openDataFolder: async () => void calls.push('open'),
    restartServer: async () => void calls.push('restart'),
    getServerLog: () => ['line'],
    getServerStatus: () => running,
  });
  return { ipcMain, calls, exports, dispose, running };
}

describe('registerBridge', () => {
  it('answers the UI origin', async () => {
    const { ipcMain, calls, exports, running } = setup();
    expect(await ipcMain.invoke(IPC.getAdminToken, UI)).toBe('the-token');
    expect(await ipcMain.invoke(IPC.saveExport, UI, 'usage-csv', { model: 'demo' })).toEqual({
      saved: true,
      path: '/home/admin/usage.csv',
      bytes: 12,
    });
    await ipcMain.invoke(IPC.openDataFolder, UI);
    await ipcMain.invoke(IPC.restartServer, UI);
    expect(await ipcMain.invoke(IPC.getServerLog, UI)).toEqual(['line']);
    expect(await ipcMain.invoke(IPC.getServerStatus, UI)).toEqual(running);
    expect(calls).toEqual(['token', 'open', 'restart']);
    expect(exports).toEqual([['usage-csv', { model: 'demo' }]]);
  });

  it('rejects every call from another origin, a subframe or a vanished frame, before doing anything', async () => {
    const { ipcMain, calls, exports } = setup();
    const strangers = [
      frameEvent('https://evil.example/'),
      frameEvent('http://127.0.0.1:9000/ui/'),
      frameEvent(`${ORIGIN}/ui/`, { url: 'https://evil.example/', parent: null }),
      { senderFrame: null },
    ];
    for (const event of strangers) {
      for (const channel of Object.values(IPC).filter((c) => c !== IPC.serverStatus)) {
        await expect(ipcMain.invoke(channel, event, ...(channel === IPC.saveExport ? ['audit'] : []))).rejects.toThrow(
          UntrustedSenderError,
        );
      }
    }
    expect(calls).toEqual([]);
    expect(exports).toEqual([]);
  });

  it('checks arguments again in main', async () => {
    const { ipcMain, calls, exports } = setup();
    await expect(ipcMain.invoke(IPC.saveExport, UI, 'pdf')).rejects.toThrow(BridgeArgumentError);
    await expect(ipcMain.invoke(IPC.saveExport, UI, 'usage-csv', { path: '/etc/passwd' })).rejects.toThrow(BridgeArgumentError);
    await expect(ipcMain.invoke(IPC.saveExport, UI, 'usage-csv', {}, '/tmp/out.csv')).rejects.toThrow(TypeError);
    await expect(ipcMain.invoke(IPC.openDataFolder, UI, '/etc')).rejects.toThrow(BridgeArgumentError);
    await expect(ipcMain.invoke(IPC.getAdminToken, UI, 'x')).rejects.toThrow(BridgeArgumentError);
    expect(calls).toEqual([]);
    expect(exports).toEqual([]);
  });

  it('removes its handlers when disposed', () => {
    const { ipcMain, dispose } = setup();
    expect(ipcMain.handlers.size).toBe(6);
    dispose();
    expect(ipcMain.handlers.size).toBe(0);
  });
});
