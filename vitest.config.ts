import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Long reliability runs (kill loops, soak): `npm run test:reliability` (vitest.reliability.config.ts).
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    // Workers and child processes run the compiled dist/: it is rebuilt first wherever a source is newer.
    globalSetup: ['test/setup/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
