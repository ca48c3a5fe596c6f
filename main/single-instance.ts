import type { App, BrowserWindow } from './electron-types.js';

/**
 * Two copies of the app would start two servers on one data directory. The first instance keeps
 * the lock; a later one quits, and the first shows its window instead.
 * Returns false when this instance must quit.
 */
export function claimSingleInstance(
  app: Pick<App, 'requestSingleInstanceLock' | 'quit' | 'on'>,
  showWindow: () => void,
): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', () => showWindow());
  return true;
}

/** Brings an existing window to the front, restoring it if minimised. */
export function focusWindow(window: Pick<BrowserWindow, 'isMinimized' | 'restore' | 'show' | 'focus'>): void {
  if (window.isMinimized()) window.restore();
  window.show();
  window.focus();
}
