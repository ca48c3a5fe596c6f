import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // Long reliability runs (kill loops, soak): `npm run test:reliability` (vitest.reliability.config.ts).
    exclude: ['**/node_modules/**', '**/*.slow.test.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
