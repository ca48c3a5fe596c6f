/**
 * The part of Electron's API that Hearth's main process and preload use, declared here so that
 * `tsc` compiles without the optional `electron` package (its binary download fails offline).
 * Names and shapes follow Electron 39's own typings; only what Hearth calls is listed, so tests
 * can hand the pure modules a small fake.
 */

// ── app ──────────────────────────────────────────────────────────────────────────────────────

export interface PreventableEvent {
  preventDefault(): void;
}

export interface App {
  requestSingleInstanceLock(): boolean;
  whenReady(): Promise<void>;
  quit(): void;
  exit(exitCode?: number): void;
  enableSandbox(): void;
  getPath(name: 'userData' | 'logs' | 'temp' | 'downloads' | 'documents'): string;
  getAppPath(): string;
  readonly isPackaged: boolean;
  on(event: 'second-instance', listener: (event: PreventableEvent, argv: string[]) => void): unknown;
  on(event: 'window-all-closed', listener: () => void): unknown;
  on(event: 'activate', listener: () => void): unknown;
  on(event: 'before-quit', listener: (event: PreventableEvent) => void): unknown;
  on(event: 'web-contents-created', listener: (event: unknown, contents: WebContents) => void): unknown;
}

// ── frames, IPC ──────────────────────────────────────────────────────────────────────────────

export interface WebFrameMain {
  readonly url: string;
  /** null for a top-level frame. */
  readonly parent: WebFrameMain | null;
}

export interface IpcMainInvokeEvent {
  /** null when the frame navigated away or was destroyed before the message was handled. */
  readonly senderFrame: WebFrameMain | null;
}

export interface IpcMain {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown): void;
  removeHandler(channel: string): void;
}

// ── web contents, windows ────────────────────────────────────────────────────────────────────

export interface NavigationEvent extends PreventableEvent {
  /** Electron ≥ 25 puts the target here; the separate `url` argument is deprecated. */
  readonly url?: string;
}

export type WindowOpenHandlerResponse = { action: 'deny' } | { action: 'allow' };

export interface WebContents {
  readonly session: Session;
  on(event: 'will-navigate', listener: (event: NavigationEvent, url: string) => void): unknown;
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent) => void): unknown;
  on(event: 'will-redirect', listener: (event: NavigationEvent, url: string) => void): unknown;
  on(event: 'will-attach-webview', listener: (event: PreventableEvent) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => WindowOpenHandlerResponse): void;
  send(channel: string, ...args: unknown[]): void;
  getURL(): string;
  isDestroyed(): boolean;
}

export interface WebPreferences {
  preload: string;
  contextIsolation: boolean;
  sandbox: boolean;
  nodeIntegration: boolean;
  nodeIntegrationInWorker: boolean;
  nodeIntegrationInSubFrames: boolean;
  webSecurity: boolean;
  allowRunningInsecureContent: boolean;
  experimentalFeatures: boolean;
  webviewTag: boolean;
  navigateOnDragDrop: boolean;
  safeDialogs: boolean;
  spellcheck: boolean;
  devTools: boolean;
}

export interface BrowserWindowOptions {
  width: number;
  height: number;
  minWidth: number;
  minHeight: number;
  title: string;
  show: boolean;
  backgroundColor: string;
  autoHideMenuBar: boolean;
  webPreferences: WebPreferences;
}

export interface BrowserWindow {
  readonly webContents: WebContents;
  loadURL(url: string): Promise<void>;
  show(): void;
  focus(): void;
  restore(): void;
  isMinimized(): boolean;
  isDestroyed(): boolean;
  on(event: 'closed', listener: () => void): unknown;
}

export type BrowserWindowConstructor = new (options: BrowserWindowOptions) => BrowserWindow;

// ── session ──────────────────────────────────────────────────────────────────────────────────

export interface HeadersReceivedDetails {
  readonly url: string;
  readonly responseHeaders?: Record<string, string[]>;
}

export interface HeadersReceivedResponse {
  cancel?: boolean;
  responseHeaders?: Record<string, string[]>;
}

export interface PermissionRequestDetails {
  readonly requestingUrl?: string;
}

export interface Session {
  readonly webRequest: {
    onHeadersReceived(
      listener: (details: HeadersReceivedDetails, callback: (response: HeadersReceivedResponse) => void) => void,
    ): void;
  };
  setPermissionRequestHandler(
    handler: (
      webContents: WebContents | null,
      permission: string,
      callback: (granted: boolean) => void,
      details: PermissionRequestDetails,
    ) => void,
  ): void;
  setPermissionCheckHandler(
    handler: (webContents: WebContents | null, permission: string, requestingOrigin: string) => boolean,
  ): void;
}

// ── shell, dialog, tray, menu ────────────────────────────────────────────────────────────────

export interface Shell {
  openExternal(url: string): Promise<void>;
  /** Resolves to "" on success, else an error message. */
  openPath(path: string): Promise<string>;
}

export interface FileFilter {
  name: string;
  extensions: string[];
}

export interface SaveDialogOptions {
  title?: string;
  defaultPath?: string;
  filters?: FileFilter[];
}

export interface SaveDialogReturnValue {
  canceled: boolean;
  filePath?: string;
}

export interface Dialog {
  showSaveDialog(window: BrowserWindow, options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
  showSaveDialog(options: SaveDialogOptions): Promise<SaveDialogReturnValue>;
}

export interface MenuItemOptions {
  label?: string;
  type?: 'normal' | 'separator';
  enabled?: boolean;
  click?: () => void;
}

export type Menu = object;

export interface NativeImage {
  isEmpty(): boolean;
}

export interface Tray {
  setToolTip(toolTip: string): void;
  setContextMenu(menu: Menu | null): void;
  on(event: 'click', listener: () => void): unknown;
  destroy(): void;
}

/** What `require('electron')` gives the main process, as far as Hearth uses it. */
export interface ElectronApi {
  app: App;
  BrowserWindow: BrowserWindowConstructor;
  Tray: new (image: NativeImage) => Tray;
  Menu: { buildFromTemplate(template: MenuItemOptions[]): Menu };
  nativeImage: { createFromDataURL(dataUrl: string): NativeImage };
  dialog: Dialog;
  shell: Shell;
  ipcMain: IpcMain;
  session: { readonly defaultSession: Session };
}

// ── preload (renderer process, sandboxed) ────────────────────────────────────────────────────

export interface IpcRenderer {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

/** What `require('electron')` gives a sandboxed preload. */
export interface PreloadElectron {
  contextBridge: { exposeInMainWorld(apiKey: string, api: unknown): void };
  ipcRenderer: IpcRenderer;
}
