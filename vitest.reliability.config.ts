import { defineConfig } from 'vitest/config';

/** The long reliability tests: SIGKILL loops and the soak. `npm run test:reliability`; CI runs them after `npm test`. */
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    // Workers and child processes run the compiled dist/: it is rebuilt first wherever a source is newer.
    globalSetup: ['test/setup/global-setup.ts'],
    pool: 'forks',
    // Each file drives its own server processes hard; running them side by side would only add noise.
    maxWorkers: 1,
    testTimeout: 20 * 60_000,
    hookTimeout: 120_000,
  },
});
