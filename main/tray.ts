import type { ServerStatus } from './api.js';
import type { MenuItemOptions } from './electron-types.js';

export interface TrayActions {
  open: () => void;
  restart: () => void;
  quit: () => void;
}

/** One line for the tray tooltip and the menu's first (disabled) item. */
export function statusLabel(status: ServerStatus, port: number): string {
  switch (status.state) {
    case 'running':
      return `Hearth — serving on port ${port}`;
    case 'starting':
      return 'Hearth — starting…';
    case 'restarting': {
      const exit = status.lastExit;
      const why = exit === null ? '' : exit.signal !== null ? ` (stopped by ${exit.signal})` : ` (exited with ${String(exit.code)})`;
      return `Hearth — restarting${why}`;
    }
    case 'stopped':
      return status.error === null ? 'Hearth — stopped' : `Hearth — stopped: ${status.error}`;
  }
}

export function trayMenuTemplate(status: ServerStatus, port: number, actions: TrayActions): MenuItemOptions[] {
  return [
    { label: statusLabel(status, port), enabled: false },
    { type: 'separator' },
    { label: 'Open Hearth', click: actions.open },
    { label: 'Restart server', enabled: status.state !== 'stopped' || status.error !== null, click: actions.restart },
    { type: 'separator' },
    { label: 'Quit', click: actions.quit },
  ];
}
