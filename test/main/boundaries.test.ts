/**
 * Keeps the lines STYLE.md draws: main talks to the server over HTTP, never through its modules;
 * Electron is only reached through the injected object (main.ts loads it); the bridge's type file,
 * which the renderer imports, depends on nothing.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const dir = new URL('../../main/', import.meta.url);
const sources = readdirSync(dir)
  .filter((name) => /\.c?ts$/.test(name))
  .map((name) => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }));

function specifiers(text: string): string[] {
  return [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((m) => m[1] ?? '');
}

describe('main/ boundaries', () => {
  it('found the sources', () => {
    expect(sources.map((s) => s.name)).toEqual(expect.arrayContaining(['main.ts', 'preload.cts', 'supervisor.ts', 'window.ts']));
    const supervisor = sources.find((s) => s.name === 'supervisor.ts');
    expect(supervisor && specifiers(supervisor.text)).toEqual(['./api.js', './backoff.js', './identity.js', './launch-report.js', './log-ring.js']);
  });

  it('never imports the server, the renderer or electron itself', () => {
    for (const { name, text } of sources) {
      for (const specifier of specifiers(text)) {
        expect(specifier, `${name} imports ${specifier}`).not.toMatch(/^\.\.\/|^electron$/);
      }
    }
  });

  it('keeps api.ts free of imports so the renderer can take its types', () => {
    const api = sources.find((s) => s.name === 'api.ts');
    expect(api && specifiers(api.text)).toEqual([]);
  });
});
