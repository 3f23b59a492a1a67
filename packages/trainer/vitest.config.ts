import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    name: 'trainer',
    include: ['src/**/*.test.ts'],
    testTimeout: 120000,
    pool: 'forks',
    // The worker threads run the compiled dist/worker.js: rebuild it when src/ is newer.
    globalSetup: ['./test-support/build-dist.ts'],
  },
});
