// The vitest settings packages share: tests beside the code and under test/, real services.
import { defineConfig } from 'vitest/config';

/** Packages whose tests use the databases: the testing package's global setup migrates them. */
export function servicesConfig() {
  return defineConfig({
    test: {
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      globalSetup: ['../testing/src/global-setup.ts'],
      testTimeout: 60_000,
      hookTimeout: 60_000,
      passWithNoTests: false,
    },
  });
}

/** Packages with unit tests only. */
export function unitConfig() {
  return defineConfig({ test: { include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 30_000 } });
}
