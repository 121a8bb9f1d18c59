import { loadConfig } from '@fable-jobs/runtime';
import { migrateWithRetry } from '../src/setup.ts';

/** Test databases for this package's tests (the testing package depends on db, so db sets up its own). */
export default async function setup(): Promise<void> {
  const { config } = loadConfig({ DB_DB: 'fable_jobs_test', ANALYTICS_DB_NAME: 'fable_analytics_test' });
  await migrateWithRetry(config, { createDatabases: true });
}
