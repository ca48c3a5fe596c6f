import { describe, expect, it } from 'vitest';
import type { ServerStatus } from '../../main/api.js';
import { statusLabel, trayMenuTemplate } from '../../main/tray.js';

const base: ServerStatus = { state: 'running', pid: 1, restarts: 0, lastExit: null, nextStartAt: null, error: null };

describe('tray', () => {
  it('says what the server is doing', () => {
    expect(statusLabel(base, 8600)).toBe('Hearth — serving on port 8600');
    expect(statusLabel({ ...base, state: 'starting' }, 8600)).toBe('Hearth — starting…');
    expect(statusLabel({ ...base, state: 'restarting', lastExit: { code: 1, signal: null, at: 0 } }, 8600)).toBe(
      'Hearth — restarting (exited with 1)',
    );
    expect(statusLabel({ ...base, state: 'restarting', lastExit: { code: null, signal: 'SIGSEGV', at: 0 } }, 8600)).toBe(
      'Hearth — restarting (stopped by SIGSEGV)',
    );
    expect(statusLabel({ ...base, state: 'stopped' }, 8600)).toBe('Hearth — stopped');
    expect(statusLabel({ ...base, state: 'stopped', error: 'the port is in use by another program' }, 8600)).toBe(
      'Hearth — stopped: the port is in use by another program',
    );
  });

  it('offers Open Hearth, Restart server and Quit under the status', () => {
    const clicked: string[] = [];
    const menu = trayMenuTemplate(base, 8600, {
      open: () => clicked.push('open'),
      restart: () => clicked.push('restart'),
      quit: () => clicked.push('quit'),
    });
    expect(menu.map((item) => item.label ?? item.type)).toEqual([
      'Hearth — serving on port 8600',
      'separator',
      'Open Hearth',
      'Restart server',
      'separator',
      'Quit',
    ]);
    expect(menu[0]?.enabled).toBe(false);
    for (const item of menu) item.click?.();
    expect(clicked).toEqual(['open', 'restart', 'quit']);
  });
});
