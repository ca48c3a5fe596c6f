/**
 * A fake of the Electron API subset in main/electron-types.ts: EventEmitters that record what main
 * did to them, so tests can check the window, tray, session and IPC wiring without Electron.
 */
import { EventEmitter } from 'node:events';
import type {
  BrowserWindowOptions,
  ElectronApi,
  HeadersReceivedDetails,
  HeadersReceivedResponse,
  IpcMainInvokeEvent,
  MenuItemOptions,
  NativeImage,
  NavigationEvent,
  PermissionRequestDetails,
  SaveDialogOptions,
  SaveDialogReturnValue,
  WebContents,
  WebFrameMain,
  WindowOpenHandlerResponse,
} from '../../main/electron-types.js';

export class FakeSession {
  headersListener: ((details: HeadersReceivedDetails, callback: (r: HeadersReceivedResponse) => void) => void) | null = null;
  requestHandler:
    | ((contents: WebContents | null, permission: string, callback: (granted: boolean) => void, details: PermissionRequestDetails) => void)
    | null = null;
  checkHandler: ((contents: WebContents | null, permission: string, origin: string) => boolean) | null = null;

  readonly webRequest = {
    onHeadersReceived: (listener: NonNullable<FakeSession['headersListener']>) => {
      this.headersListener = listener;
    },
  };

  setPermissionRequestHandler(handler: NonNullable<FakeSession['requestHandler']>) {
    this.requestHandler = handler;
  }

  setPermissionCheckHandler(handler: NonNullable<FakeSession['checkHandler']>) {
    this.checkHandler = handler;
  }

  /** What the request handler answers for `permission` asked by a page at `url`. */
  request(permission: string, url: string): boolean {
    if (this.requestHandler === null) throw new Error('no permission request handler installed');
    let answer: boolean | undefined;
    this.requestHandler(null, permission, (granted) => (answer = granted), { requestingUrl: url });
    if (answer === undefined) throw new Error('the handler never answered');
    return answer;
  }

  headersFor(details: HeadersReceivedDetails): HeadersReceivedResponse {
    if (this.headersListener === null) throw new Error('no onHeadersReceived listener installed');
    let response: HeadersReceivedResponse | undefined;
    this.headersListener(details, (r) => (response = r));
    if (response === undefined) throw new Error('the listener never called back');
    return response;
  }
}

export function navigationEvent(url?: string) {
  const event = { url, prevented: false, preventDefault: () => (event.prevented = true) };
  return event satisfies NavigationEvent;
}

export class FakeWebContents extends EventEmitter {
  openHandler: ((details: { url: string }) => WindowOpenHandlerResponse) | null = null;
  readonly sent: Array<{ channel: string; args: unknown[] }> = [];
  destroyed = false;
  url = '';

  constructor(readonly session: FakeSession) {
    super();
  }

  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenHandlerResponse) {
    this.openHandler = handler;
  }

  send(channel: string, ...args: unknown[]) {
    this.sent.push({ channel, args });
  }

  getURL() {
    return this.url;
  }

  isDestroyed() {
    return this.destroyed;
  }

  /** Emits a cancellable navigation event and says whether main let it through. */
  navigate(eventName: 'will-navigate' | 'will-redirect' | 'will-frame-navigate', url: string): boolean {
    const event = navigationEvent(eventName === 'will-frame-navigate' ? url : undefined);
    if (eventName === 'will-frame-navigate') this.emit(eventName, event);
    else this.emit(eventName, event, url);
    return !event.prevented;
  }
}

export function frameEvent(url: string, parent: WebFrameMain | null = null): IpcMainInvokeEvent {
  return { senderFrame: { url, parent } };
}

export class FakeIpcMain {
  readonly handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown>();

  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown) {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }

  removeHandler(channel: string) {
    this.handlers.delete(channel);
  }

  /** Calls a handler the way Electron does for ipcRenderer.invoke; a throw becomes a rejection. */
  async invoke(channel: string, event: IpcMainInvokeEvent, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (handler === undefined) throw new Error(`no handler for ${channel}`);
    return handler(event, ...args);
  }
}

export interface FakeElectronOptions {
  gotLock?: boolean;
  userData: string;
  appPath?: string;
  isPackaged?: boolean;
  saveDialog?: (options: SaveDialogOptions) => SaveDialogReturnValue;
  loadFails?: () => boolean;
}

export function createFakeElectron({
  gotLock = true,
  userData,
  appPath = '/opt/hearth',
  isPackaged = false,
  saveDialog = () => ({ canceled: true }),
  loadFails = () => false,
}: FakeElectronOptions) {
  const session = new FakeSession();

  class FakeApp extends EventEmitter {
    readonly isPackaged = isPackaged;
    sandboxEnabled = false;
    quitCalls = 0;
    quitPrevented = 0;
    /** True once a quit got past every before-quit listener. */
    quitted = false;

    requestSingleInstanceLock() {
      return gotLock;
    }
    whenReady() {
      return Promise.resolve();
    }
    enableSandbox() {
      this.sandboxEnabled = true;
    }
    getPath(name: string) {
      return `${userData}${name === 'userData' ? '' : `/${name}`}`;
    }
    getAppPath() {
      return appPath;
    }
    quit() {
      this.quitCalls += 1;
      let prevented = false;
      this.emit('before-quit', { preventDefault: () => (prevented = true) });
      if (prevented) this.quitPrevented += 1;
      else this.quitted = true;
    }
    exit() {
      this.quitted = true;
    }
  }
  const app = new FakeApp();

  const windows: FakeBrowserWindow[] = [];
  class FakeBrowserWindow extends EventEmitter {
    readonly webContents = new FakeWebContents(session);
    readonly loaded: string[] = [];
    destroyed = false;
    minimized = false;
    shown = 0;
    focused = 0;

    constructor(readonly options: BrowserWindowOptions) {
      super();
      windows.push(this);
      app.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.loaded.push(url);
      if (loadFails()) return Promise.reject(new Error('ERR_CONNECTION_REFUSED'));
      this.webContents.url = url;
      return Promise.resolve();
    }
    show() {
      this.shown += 1;
    }
    focus() {
      this.focused += 1;
    }
    restore() {
      this.minimized = false;
    }
    isMinimized() {
      return this.minimized;
    }
    isDestroyed() {
      return this.destroyed;
    }
    /** What the user's click on the close button does. */
    close() {
      this.destroyed = true;
      this.webContents.destroyed = true;
      this.emit('closed');
      if (windows.every((w) => w.destroyed)) app.emit('window-all-closed');
    }
  }

  const trays: FakeTray[] = [];
  class FakeTray extends EventEmitter {
    toolTip = '';
    menu: MenuItemOptions[] = [];
    destroyed = false;
    constructor(readonly image: NativeImage) {
      super();
      trays.push(this);
    }
    setToolTip(text: string) {
      this.toolTip = text;
    }
    setContextMenu(menu: { template: MenuItemOptions[] } | null) {
      this.menu = menu?.template ?? [];
    }
    destroy() {
      this.destroyed = true;
    }
    /** Clicks the menu item with this label. */
    choose(label: string) {
      const item = this.menu.find((i) => i.label === label);
      if (item?.click === undefined) throw new Error(`no menu item "${label}"`);
      item.click();
    }
  }

  const ipcMain = new FakeIpcMain();
  const shell = {
    external: [] as string[],
    opened: [] as string[],
    openExternal: async (url: string) => {
      shell.external.push(url);
    },
    openPath: async (path: string) => {
      shell.opened.push(path);
      return '';
    },
  };
  const dialogCalls: SaveDialogOptions[] = [];
  const dialog = {
    calls: dialogCalls,
    showSaveDialog: async (...args: unknown[]) => {
      const options = args.at(-1) as SaveDialogOptions;
      dialogCalls.push(options);
      return saveDialog(options);
    },
  };

  const electron = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu: { buildFromTemplate: (template: MenuItemOptions[]) => ({ template }) },
    nativeImage: { createFromDataURL: (dataUrl: string) => ({ dataUrl, isEmpty: () => false }) },
    dialog,
    shell,
    ipcMain,
    session: { defaultSession: session },
  };
  // The fakes are structurally the Electron subset; this checks it at compile time.
  const api: ElectronApi = electron;
  return { electron, api, app, windows, trays, ipcMain, shell, dialog, session };
}
