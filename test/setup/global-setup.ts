import { ensureFreshBuild } from './fresh-build.js';

/** vitest's globalSetup: dist/ matches the sources before the first test (see fresh-build.ts). */
export default function setup(): void {
  ensureFreshBuild(process.cwd());
}
