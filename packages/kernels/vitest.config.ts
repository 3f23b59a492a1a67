import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'kernels', include: ['src/**/*.test.ts'], testTimeout: 120000, pool: 'forks' },
});
