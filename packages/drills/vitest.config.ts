import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['../testing/src/global-setup.ts'],
    testTimeout: 240_000,
    hookTimeout: 60_000,
    // Each drill runs a whole fleet of processes on 2 cores: one at a time.
    fileParallelism: false,
  },
});
