import { defineConfig } from 'vitest/config';

// One vitest project per package, plus test/ for cross-package tests.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'test'],
  },
});
