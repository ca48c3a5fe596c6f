import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../../..');

/** The folders server/usage imports from besides itself (the layers below it it uses). */
const USAGE_NEEDS = ['usage', 'base'];

/**
 * Compiles server/usage, and the bottom-layer folder it imports, to plain JS under dir/<folder>
 * (with node_modules linked beside them), so a child process can run the real module without a
 * build step or a TS loader.
 */
export function transpileUsageModule(dir: string): string {
  for (const folder of USAGE_NEEDS) {
    const src = join(ROOT, 'server', folder);
    const out = join(dir, folder);
    mkdirSync(out, { recursive: true });
    for (const name of readdirSync(src).filter((n) => n.endsWith('.ts'))) {
      const { outputText } = ts.transpileModule(readFileSync(join(src, name), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(out, name.replace(/\.ts$/, '.js')), outputText);
    }
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  return join(dir, 'usage', 'index.js');
}
