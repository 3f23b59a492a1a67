import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // examples/ import '@fnn/core' as users do; in tests that name means this package's sources.
  resolve: {
    alias: [
      {
        find: /^@fnn\/core\/training$/,
        replacement: fileURLToPath(new URL('./src/training/index.ts', import.meta.url)),
      },
      { find: /^@fnn\/core$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
    ],
  },
  test: { name: 'core', include: ['src/**/*.test.ts', 'examples/**/*.test.ts'], testTimeout: 120000, pool: 'forks' },
});
