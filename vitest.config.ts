import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server suites start real databases and browsers; two cores do not gain from more.
    maxWorkers: 2,
  },
});
