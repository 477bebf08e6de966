import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Server suites start real databases and browsers; two cores do not gain from more.
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'main', include: ['tests/**/*.test.ts'], exclude: ['tests/server/fuzz.test.ts'], sequence: { groupOrder: 0 } } },
      // The fuzz run keeps a core busy for minutes: it runs after everything else, so the
      // "within a second" checks of the other suites are not measured on a machine it saturates.
      { extends: true, test: { name: 'fuzz', include: ['tests/server/fuzz.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
