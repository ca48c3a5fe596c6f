import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url);
const config = readFileSync(new URL('electron-builder.yml', root), 'utf8');
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, { version?: string }>;
};
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { main: string };

describe('electron-builder.yml', () => {
  it('packages the Electron version the lock file pins', () => {
    expect(config).toMatch(new RegExp(`^electronVersion: ${lock.packages['node_modules/electron']?.version}$`, 'm'));
  });

  it('ships the compiled main entry and the server entry it starts', () => {
    expect(pkg.main).toBe('dist/main/main.js');
    for (const line of ['  - dist/**', '  - bin/**', '  - package.json', '  - "**/*.node"', '  - from: resources/models']) {
      expect(config.split('\n')).toContain(line);
    }
  });
});
