#!/usr/bin/env -S node --min-semi-space-size=8
// (The flag: see server/base/node-flags.ts. `node bin/hearth.js` skips this line; pass it there too.)
// The `hearth` command. The TypeScript sources compile to dist/ (npm run build, run by npm ci).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/server/cli.js', import.meta.url);
if (!existsSync(entry)) {
  console.error('hearth: dist/ is missing; run "npm run build" (npm ci does it) first.');
  process.exit(1);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv);
