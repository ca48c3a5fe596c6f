/**
 * Electron's security checklist for the one window Hearth opens, as pure functions over the
 * Electron objects they are handed. The window shows the server's own UI over loopback; the only
 * trusted origin is that server's (`http://127.0.0.1:<port>`).
 */
import type {
  BrowserWindowOptions,
  HeadersReceivedDetails,
  HeadersReceivedResponse,
  IpcMainInvokeEvent,
  NavigationEvent,
  Session,
  Shell,
  WebContents,
  WindowOpenHandlerResponse,
} from './electron-types.js';

/** DevTools stay off in packaged builds; they are for developing the UI. */
export function windowOptions(preloadPath: string, { devTools = false }: { devTools?: boolean } = {}): BrowserWindowOptions {
  return {
    width: 1280,
    height: 820,
    minWidth: 800,
    minHeight: 560,
    title: 'Hearth',
    show: false,
    backgroundColor: '#1d1b19',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools,
    },
  };
}

/** The origin of `url`, or null when it is not a URL with one (about:blank, data:, garbage). */
export function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/**
 * The policy for every document in the session. Styles allow 'unsafe-inline' because chart and
 * UI libraries set style attributes; scripts never run inline or from anywhere but the server.
 */
export function contentSecurityPolicy(): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-src 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/**
 * Adds Hearth's policy to a response's headers. A policy the server sent stays: browsers enforce
 * every policy present, so appending can only tighten.
 */
export function withContentSecurityPolicy(details: HeadersReceivedDetails): HeadersReceivedResponse {
  const headers: Record<string, string[]> = { ...(details.responseHeaders ?? {}) };
  const existingKey = Object.keys(headers).find((key) => key.toLowerCase() === 'content-security-policy');
  const existing = existingKey === undefined ? [] : (headers[existingKey] ?? []);
  if (existingKey !== undefined) delete headers[existingKey];
  headers['Content-Security-Policy'] = [...existing, contentSecurityPolicy()];
  return { responseHeaders: headers };
}

/** Cancels navigations that would leave the server's origin. */
export function guardNavigation(event: NavigationEvent, url: string | undefined, allowedOrigin: string): boolean {
  const target = event.url ?? url ?? '';
  if (originOf(target) === allowedOrigin) return true;
  event.preventDefault();
  return false;
}

/** window.open and target=_blank never make an Electron window; web links go to the browser. */
export function handleWindowOpen(url: string, shell: Pick<Shell, 'openExternal'>): WindowOpenHandlerResponse {
  if (isWebUrl(url)) void shell.openExternal(url).catch(() => undefined);
  return { action: 'deny' };
}

export function isWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** Permissions a page from the trusted origin may use; copying a new API key needs the clipboard. */
export const GRANTED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

export function isPermissionGranted(permission: string, requestingUrl: string | undefined, allowedOrigin: string): boolean {
  return GRANTED_PERMISSIONS.includes(permission) && requestingUrl !== undefined && originOf(requestingUrl) === allowedOrigin;
}

/** True only for a top-level frame showing the server's origin. */
export function isTrustedSender(event: IpcMainInvokeEvent, allowedOrigin: string): boolean {
  const frame = event.senderFrame;
  if (frame === null || frame === undefined) return false;
  if (frame.parent !== null && frame.parent !== undefined) return false;
  return originOf(frame.url) === allowedOrigin;
}

/** Installs the session-wide parts: the CSP header and the permission handlers. */
export function secureSession(session: Session, allowedOrigin: string): void {
  session.webRequest.onHeadersReceived((details, callback) => callback(withContentSecurityPolicy(details)));
  session.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(isPermissionGranted(permission, details.requestingUrl, allowedOrigin)),
  );
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    isPermissionGranted(permission, requestingOrigin, allowedOrigin),
  );
}

/** Installs the per-page parts; main calls it for every web contents Electron creates. */
export function secureWebContents(contents: WebContents, allowedOrigin: string, shell: Pick<Shell, 'openExternal'>): void {
  contents.on('will-navigate', (event, url) => guardNavigation(event, url, allowedOrigin));
  contents.on('will-redirect', (event, url) => guardNavigation(event, url, allowedOrigin));
  contents.on('will-frame-navigate', (event) => guardNavigation(event, undefined, allowedOrigin));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => handleWindowOpen(url, shell));
}
