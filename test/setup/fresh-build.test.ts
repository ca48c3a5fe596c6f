import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compiledPairs, ensureFreshBuild, staleOutputs } from './fresh-build.js';

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(path.join(os.tmpdir(), 'hearth-fresh-build-')); });
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

/** Sets a file's modification time `seconds` before now. */
function age(file: string, seconds: number): void {
  const t = new Date(Date.now() - seconds * 1000);
  utimesSync(file, t, t);
}

describe('staleOutputs', () => {
  it('names the outputs that are missing or older than their source, and only those', () => {
    const file = (name: string) => { const p = path.join(tmp, name); writeFileSync(p, name); return p; };
    const fresh = { source: file('a.ts'), output: file('a.js') };
    age(fresh.source, 60);
    const older = { source: file('b.ts'), output: file('b.js') };
    age(older.output, 60);
    const missing = { source: file('c.ts'), output: path.join(tmp, 'c.js') };
    expect(staleOutputs([fresh, older, missing])).toEqual([older, missing]);
  });
});

describe('compiledPairs', () => {
  it('pairs each source of this project with what tsc writes for it, workers and the preload included', () => {
    const root = path.resolve('.');
    const pairs = compiledPairs(root);
    expect(pairs).toContainEqual({ source: path.join(root, 'server/runtime/worker.ts'), output: path.join(root, 'dist/server/runtime/worker.js') });
    expect(pairs).toContainEqual({ source: path.join(root, 'server/usage/log-worker.ts'), output: path.join(root, 'dist/server/usage/log-worker.js') });
    expect(pairs).toContainEqual({ source: path.join(root, 'main/preload.cts'), output: path.join(root, 'dist/main/preload.cjs') });
  });
});

describe('ensureFreshBuild on a small project', () => {
  let source: string;
  let output: string;
  let said: string[];
  const build = () => ensureFreshBuild(tmp, (line) => said.push(line));
  beforeEach(() => {
    said = [];
    mkdirSync(path.join(tmp, 'server'));
    writeFileSync(path.join(tmp, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, types: [],
        outDir: 'dist', rootDir: '.', incremental: true, tsBuildInfoFile: 'dist/.tsbuildinfo',
      },
      include: ['server/**/*.ts'],
    }));
    source = path.join(tmp, 'server', 'worker.ts');
    output = path.join(tmp, 'dist', 'server', 'worker.js');
    writeFileSync(source, 'export const answer: number = 1;\n');
  });

  it('builds what is missing, rebuilds an edited worker, and leaves a fresh build alone', () => {
    build();
    expect(readFileSync(output, 'utf8')).toContain('answer = 1');

    // The worker is edited after the last build: the old one must not be what runs.
    writeFileSync(source, 'export const answer: number = 2;\n');
    age(output, 60);
    said = [];
    build();
    expect(readFileSync(output, 'utf8')).toContain('answer = 2');
    expect(said.join('\n')).toMatch(/older than 1 source file\(s\) \(.*worker\.ts\)/);

    said = [];
    const builtAt = statSync(output).mtimeMs;
    build();
    expect(said).toEqual([]);
    expect(statSync(output).mtimeMs).toBe(builtAt);
  });

  it('brings back a deleted output and settles a source that was only touched, which incremental tsc skips', () => {
    build();
    rmSync(output);
    build();
    expect(readFileSync(output, 'utf8')).toContain('answer = 1');

    age(output, 60);
    build();
    expect(staleOutputs(compiledPairs(tmp))).toEqual([]);
  });

  it('fails loudly when the sources do not compile', () => {
    build();
    writeFileSync(source, 'export const answer: number = "two";\n');
    age(output, 60);
    expect(build).toThrow(/tsc failed.*do not run on a failed build:\n.*worker\.ts.*Type 'string' is not assignable to type 'number'/s);
  });
});
