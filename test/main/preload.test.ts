import { describe, expect, it } from 'vitest';
import { IPC, type HearthDesktopApi, type ServerStatus } from '../../main/api.js';
import { compilePreload, loadPreload } from './load-preload.js';

const status = (state: ServerStatus['state'], pid: number | null = null): ServerStatus => ({
  state,
  pid,
  restarts: 0,
  lastExit: null,
  nextStartAt: null,
  error: null,
});

function hearthApi(preload: ReturnType<typeof loadPreload>): HearthDesktopApi {
  return preload.exposed.get('hearth') as HearthDesktopApi;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('preload', () => {
  it('requires nothing but electron, so it runs sandboxed', () => {
    const preload = loadPreload();
    expect(preload.required).toEqual(['electron']);
    expect(compilePreload()).not.toMatch(/\bimport\b|require\((?!'electron'\))/);
  });

  it('exposes exactly the named API as window.hearth, and no Electron object', () => {
    const preload = loadPreload();
    expect([...preload.exposed.keys()]).toEqual(['hearth']);
    const api = hearthApi(preload) as unknown as Record<string, unknown>;
    expect(Object.keys(api).sort()).toEqual(
      ['getAdminToken', 'getServerLog', 'onServerStatus', 'openDataFolder', 'restartServer', 'saveExport'].sort(),
    );
    for (const value of Object.values(api)) {
      expect(typeof value).toBe('function');
      expect(value).not.toBe(preload.ipcRenderer.invoke);
    }
  });

  it('uses the channel names main listens on', async () => {
    const preload = loadPreload((channel) => (channel === IPC.getAdminToken ? 'token' : []));
    const api = hearthApi(preload);
    await api.getAdminToken();
    await api.saveExport('audit', {});
    await api.openDataFolder();
    await api.restartServer();
    await api.getServerLog();
    api.onServerStatus(() => undefined)();
    expect(preload.invocations.map((i) => i.channel)).toEqual([
      IPC.getAdminToken,
      IPC.saveExport,
      IPC.openDataFolder,
      IPC.restartServer,
      IPC.getServerLog,
      IPC.getServerStatus,
    ]);
  });

  it('returns the admin token and refuses an answer that is not one', async () => {
    expect(await hearthApi(loadPreload(() => 'secret-token')).getAdminToken()).toBe('secret-token');
    await expect(hearthApi(loadPreload(() => ({ token: 'x' }))).getAdminToken()).rejects.toThrow(TypeError);
  });

  it('passes only strings on from the server log', async () => {
    const api = hearthApi(loadPreload(() => ['a', 2, 'b', null]));
    expect(await api.getServerLog()).toEqual(['a', 'b']);
  });

  it('delivers the current status, then pushes, without the IPC event; unsubscribing stops them', async () => {
    const preload = loadPreload((channel) => (channel === IPC.getServerStatus ? status('starting', 7) : undefined));
    const seen: unknown[][] = [];
    const off = hearthApi(preload).onServerStatus((...args: unknown[]) => seen.push(args));
    await settle();
    preload.events.emit(IPC.serverStatus, { sender: 'the raw ipcRenderer' }, status('running', 7));
    off();
    preload.events.emit(IPC.serverStatus, {}, status('stopped'));
    expect(seen).toEqual([[status('starting', 7)], [status('running', 7)]]);
    expect(preload.events.listenerCount(IPC.serverStatus)).toBe(0);
  });

  it('drops the initial answer when a newer push arrived first', async () => {
    let reply: (value: ServerStatus) => void = () => undefined;
    const preload = loadPreload(() => new Promise<ServerStatus>((resolve) => (reply = resolve)));
    const seen: ServerStatus[] = [];
    hearthApi(preload).onServerStatus((s) => seen.push(s));
    preload.events.emit(IPC.serverStatus, {}, status('running', 9));
    reply(status('starting', 9));
    await settle();
    expect(seen).toEqual([status('running', 9)]);
  });

  it('stays silent after an early unsubscribe, even when the initial answer comes later', async () => {
    let reply: (value: ServerStatus) => void = () => undefined;
    const preload = loadPreload(() => new Promise<ServerStatus>((resolve) => (reply = resolve)));
    const seen: ServerStatus[] = [];
    const off = hearthApi(preload).onServerStatus((s) => seen.push(s));
    off();
    reply(status('running', 9));
    await settle();
    expect(seen).toEqual([]);
  });

  it('needs a callback for onServerStatus', () => {
    const api = hearthApi(loadPreload());
    expect(() => api.onServerStatus('not a function' as unknown as () => void)).toThrow(TypeError);
  });
});
