import { defineConfig } from 'vitest/config';

// Cross-package tests: they import the built packages (@fnn/core, @fnn/data, ...), so run them
// after `turbo run build` (the root `test` script does). End-to-end training needs a generous timeout.
export default defineConfig({
  test: { name: 'cross', include: ['**/*.test.ts'], testTimeout: 300000, hookTimeout: 120000, pool: 'forks' },
});
