import { migrateWithRetry } from '@fable-jobs/db';
import { testConfig } from './env.ts';

/** Vitest global setup: create the test databases and apply migrations once per run. */
export default async function setup(): Promise<void> {
  const { config } = testConfig();
  await migrateWithRetry(config, { createDatabases: true });
}
