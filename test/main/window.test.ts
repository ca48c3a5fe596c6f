import { describe, expect, it } from 'vitest';
import {
  contentSecurityPolicy,
  guardNavigation,
  handleWindowOpen,
  isTrustedSender,
  secureSession,
  secureWebContents,
  windowOptions,
  withContentSecurityPolicy,
} from '../../main/window.js';
import { FakeSession, FakeWebContents, frameEvent, navigationEvent } from './fake-electron.js';

const ORIGIN = 'http://127.0.0.1:8600';

function fakeShell() {
  const opened: string[] = [];
  return { opened, openExternal: async (url: string) => void opened.push(url) };
}

describe('windowOptions', () => {
  it('sets every flag of the security checklist', () => {
    const { webPreferences } = windowOptions('/app/dist/main/preload.cjs');
    expect(webPreferences).toEqual({
      preload: '/app/dist/main/preload.cjs',
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
      devTools: false,
    });
  });

  it('opens hidden until main shows it, titled Hearth', () => {
    const options = windowOptions('/p.cjs', { devTools: true });
    expect(options).toMatchObject({ show: false, title: 'Hearth' });
    expect(options.webPreferences.devTools).toBe(true);
  });
});

describe('Content-Security-Policy', () => {
  it('lets scripts come only from the server and forbids plugins, framing and base rewrites', () => {
    const directives = new Map(
      contentSecurityPolicy()
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name = '', ...values]) => [name, values]),
    );
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(directives.get('base-uri')).toEqual(["'none'"]);
    expect(directives.get('connect-src')).toEqual(["'self'"]);
  });

  it('is added to responses and keeps a policy the server sent', () => {
    const response = withContentSecurityPolicy({
      url: `${ORIGIN}/ui/`,
      responseHeaders: { 'content-security-policy': ["default-src 'none'"], 'Content-Type': ['text/html'] },
    });
    expect(response.responseHeaders).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': ["default-src 'none'", contentSecurityPolicy()],
    });
  });

  it('is installed on the session through onHeadersReceived', () => {
    const session = new FakeSession();
    secureSession(session, ORIGIN);
    const response = session.headersFor({ url: `${ORIGIN}/ui/` });
    expect(response.responseHeaders).toEqual({ 'Content-Security-Policy': [contentSecurityPolicy()] });
  });
});

describe('navigation', () => {
  it('allows pages of the server origin and prevents every other', () => {
    const allowed = navigationEvent();
    expect(guardNavigation(allowed, `${ORIGIN}/ui/models`, ORIGIN)).toBe(true);
    expect(allowed.prevented).toBe(false);

    for (const url of [
      'https://evil.example/',
      'http://127.0.0.1:8601/ui/',
      'http://localhost:8600/ui/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'not a url',
    ]) {
      const event = navigationEvent();
      expect(guardNavigation(event, url, ORIGIN), url).toBe(false);
      expect(event.prevented, url).toBe(true);
    }
  });

  it('reads the target from the event when Electron puts it there', () => {
    const event = navigationEvent('https://evil.example/');
    expect(guardNavigation(event, `${ORIGIN}/ui/`, ORIGIN)).toBe(false);
    expect(event.prevented).toBe(true);
  });

  it('is guarded on will-navigate, will-redirect and will-frame-navigate', () => {
    const contents = new FakeWebContents(new FakeSession());
    secureWebContents(contents, ORIGIN, fakeShell());
    expect(contents.navigate('will-navigate', 'https://evil.example/')).toBe(false);
    expect(contents.navigate('will-redirect', 'https://evil.example/')).toBe(false);
    expect(contents.navigate('will-frame-navigate', 'https://evil.example/')).toBe(false);
    expect(contents.navigate('will-navigate', `${ORIGIN}/ui/keys`)).toBe(true);
  });

  it('refuses to attach webviews', () => {
    const contents = new FakeWebContents(new FakeSession());
    secureWebContents(contents, ORIGIN, fakeShell());
    let prevented = false;
    contents.emit('will-attach-webview', { preventDefault: () => (prevented = true) });
    expect(prevented).toBe(true);
  });
});

describe('window.open', () => {
  it('is denied; web links open in the browser, anything else nowhere', () => {
    const shell = fakeShell();
    for (const url of ['https://onnx.ai/', 'http://10.0.0.5:8600/docs', 'file:///etc/passwd', 'smb://server/share', 'javascript:1']) {
      expect(handleWindowOpen(url, shell)).toEqual({ action: 'deny' });
    }
    expect(shell.opened).toEqual(['https://onnx.ai/', 'http://10.0.0.5:8600/docs']);
  });

  it('goes through the handler installed on the web contents', () => {
    const shell = fakeShell();
    const contents = new FakeWebContents(new FakeSession());
    secureWebContents(contents, ORIGIN, shell);
    expect(contents.openHandler?.({ url: `${ORIGIN}/ui/` })).toEqual({ action: 'deny' });
    expect(contents.openHandler?.({ url: 'file:///tmp/x' })).toEqual({ action: 'deny' });
    expect(shell.opened).toEqual([`${ORIGIN}/ui/`]);
  });
});

describe('permissions', () => {
  it('denies camera, microphone, location, notifications and the rest', () => {
    const session = new FakeSession();
    secureSession(session, ORIGIN);
    for (const permission of ['media', 'geolocation', 'notifications', 'midi', 'openExternal', 'fullscreen', 'clipboard-read']) {
      expect(session.request(permission, `${ORIGIN}/ui/`), permission).toBe(false);
    }
    expect(session.checkHandler?.(null, 'media', ORIGIN)).toBe(false);
  });

  it('grants clipboard writes only to the UI itself, for copying a new API key', () => {
    const session = new FakeSession();
    secureSession(session, ORIGIN);
    expect(session.request('clipboard-sanitized-write', `${ORIGIN}/ui/keys`)).toBe(true);
    expect(session.request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
    expect(session.checkHandler?.(null, 'clipboard-sanitized-write', ORIGIN)).toBe(true);
    expect(session.checkHandler?.(null, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false);
  });
});

describe('isTrustedSender', () => {
  it('accepts the top frame of the UI origin', () => {
    expect(isTrustedSender(frameEvent(`${ORIGIN}/ui/`), ORIGIN)).toBe(true);
  });

  it('rejects other origins, subframes, destroyed frames and non-URLs', () => {
    expect(isTrustedSender(frameEvent('https://evil.example/'), ORIGIN)).toBe(false);
    expect(isTrustedSender(frameEvent('http://127.0.0.1:9999/ui/'), ORIGIN)).toBe(false);
    expect(isTrustedSender(frameEvent('file:///app/index.html'), ORIGIN)).toBe(false);
    expect(isTrustedSender(frameEvent('about:blank'), ORIGIN)).toBe(false);
    expect(isTrustedSender(frameEvent(`${ORIGIN}/ui/`, { url: `${ORIGIN}/ui/`, parent: null }), ORIGIN)).toBe(false);
    expect(isTrustedSender({ senderFrame: null }, ORIGIN)).toBe(false);
  });
});
