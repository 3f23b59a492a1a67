import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'core', include: ['src/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 120000, pool: 'forks' },
});
