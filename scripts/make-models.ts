/**
 * Regenerates the bundled demo models in resources/models (`npm run models`).
 * The output is deterministic, so running it again leaves the committed files unchanged.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { demoClassifier, type DemoVersion } from './onnx-builder.js';

const DEMO_VERSIONS: readonly DemoVersion[] = [1, 2];

/** Writes demo-v1.onnx and demo-v2.onnx into `dir` and returns their paths. */
export function writeDemoModels(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  return DEMO_VERSIONS.map((version) => {
    const path = join(dir, `demo-v${version}.onnx`);
    writeFileSync(path, demoClassifier({ version }));
    return path;
  });
}

// The script runs from scripts/ (source) or dist/scripts/ (built), so find the package root by walking up.
function packageRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}

const isEntry = process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (isEntry) {
  const dir = join(packageRoot(dirname(fileURLToPath(import.meta.url))), 'resources', 'models');
  for (const path of writeDemoModels(dir)) console.log(`wrote ${path}`);
}
