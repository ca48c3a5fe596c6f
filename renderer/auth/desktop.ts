import type { HearthDesktopApi } from '../../main/api.js';

declare global {
  interface Window {
    /** Present only inside the desktop app (main/preload.cts). */
    hearth?: HearthDesktopApi;
  }
}

/** The desktop bridge when the UI runs inside the Electron window, else undefined (a browser). */
export function desktopApi(win: Pick<Window, 'hearth'> | undefined = typeof window === 'undefined' ? undefined : window): HearthDesktopApi | undefined {
  const api = win?.hearth;
  return api && typeof api.getAdminToken === 'function' ? api : undefined;
}
