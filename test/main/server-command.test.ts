import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { desktopPort, serverCommand } from '../../main/server-command.js';

const base = {
  execPath: '/opt/Hearth/hearth',
  resourcesPath: '/opt/Hearth/resources',
  dataDir: '/home/admin/.config/Hearth/data',
  port: 8600,
  adminToken: 'tok',
  env: { PATH: '/usr/bin', ELECTRON_RUN_AS_NODE: '1', UNSET: undefined },
};

describe('serverCommand', () => {
  it('runs bin/hearth.js from the app archive on Electron as Node when packaged', () => {
    const command = serverCommand({ ...base, isPackaged: true, appPath: '/opt/Hearth/resources/app.asar' });
    expect(command).toEqual({
      command: '/opt/Hearth/hearth',
      args: [
        '--min-semi-space-size=8',
        join('/opt/Hearth/resources/app.asar', 'bin', 'hearth.js'),
        'serve',
        '--data-dir',
        '/home/admin/.config/Hearth/data',
        '--port',
        '8600',
      ],
      env: {
        PATH: '/usr/bin',
        ELECTRON_RUN_AS_NODE: '1',
        HEARTH_ADMIN_TOKEN: 'tok',
        HEARTH_LAUNCH_REPORT: '1',
        HEARTH_MODELS_DIR: join('/opt/Hearth/resources', 'models'),
      },
      cwd: '/home/admin/.config/Hearth/data',
    });
  });

  it('runs on the system node in development, where npm built the native modules', () => {
    const command = serverCommand({ ...base, isPackaged: false, appPath: '/src/hearth' });
    expect(command.command).toBe('node');
    expect(command.args[1]).toBe(join('/src/hearth', 'bin', 'hearth.js'));
    expect(command.env.ELECTRON_RUN_AS_NODE).toBeUndefined();
    expect(command.env.HEARTH_MODELS_DIR).toBe(join('/src/hearth', 'resources', 'models'));
    expect(serverCommand({ ...base, isPackaged: false, appPath: '/src', env: { HEARTH_NODE: '/usr/local/bin/node22' } }).command).toBe(
      '/usr/local/bin/node22',
    );
  });
});

describe('desktopPort', () => {
  it('takes HEARTH_PORT when it is a port, else 8600', () => {
    expect(desktopPort({ HEARTH_PORT: '9100' })).toBe(9100);
    expect(desktopPort({})).toBe(8600);
    expect(desktopPort({ HEARTH_PORT: 'http' })).toBe(8600);
    expect(desktopPort({ HEARTH_PORT: '70000' })).toBe(8600);
  });
});
