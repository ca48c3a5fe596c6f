// renderer/ runs in a browser: it may take *types* from the server's API contract and from
// main/api.ts, and nothing that needs Node or Electron.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve('renderer');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sources(full);
    return /\.(ts|tsx)$/.test(e.name) && e.name !== 'vite.config.ts' ? [full] : [];
  });
}

/** Every import/export-from in a file: its specifier and whether it is type-only. */
function importsOf(code: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of code.matchAll(re)) {
    if (m[4] !== undefined) out.push({ spec: m[4], typeOnly: m[2] !== undefined });
    else out.push({ spec: m[5] ?? m[6], typeOnly: false });
  }
  return out;
}

describe('renderer boundaries', () => {
  const files = sources(ROOT);

  test('finds the renderer sources', () => {
    expect(files.length).toBeGreaterThan(20);
    expect(files).toContain(path.join(ROOT, 'main.tsx'));
  });

  test('the import scanner tells type-only imports apart', () => {
    expect(importsOf("import type { A } from '../../server/x.js';\nimport { b } from './b.js';\nimport './c.css';")).toEqual([
      { spec: '../../server/x.js', typeOnly: true }, { spec: './b.js', typeOnly: false }, { spec: './c.css', typeOnly: false },
    ]);
  });

  test('takes only types from server/ and main/, and nothing from Node or Electron', () => {
    const bad: string[] = [];
    for (const file of files) {
      for (const { spec, typeOnly } of importsOf(readFileSync(file, 'utf8'))) {
        const rel = path.relative(ROOT, file);
        if (spec.startsWith('.')) {
          const target = path.relative(path.resolve('.'), path.resolve(path.dirname(file), spec));
          const outside = !target.startsWith(`renderer${path.sep}`);
          if (outside && !typeOnly) bad.push(`${rel}: value import of ${spec}`);
          if (outside && !target.startsWith(`server${path.sep}`) && target !== path.join('main', 'api.js')) bad.push(`${rel}: imports ${spec}`);
        } else if (spec.startsWith('node:') || spec === 'electron' || /^(fs|path|os|child_process|crypto)$/.test(spec)) {
          bad.push(`${rel}: imports ${spec}`);
        }
      }
    }
    expect(bad).toEqual([]);
  });
});
