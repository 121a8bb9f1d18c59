import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['../testing/src/global-setup.ts'],
    // Scenarios patch process-wide hooks and time things: one file at a time.
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 60_000,
    passWithNoTests: false,
  },
});
