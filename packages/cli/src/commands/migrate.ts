import { migrateWithRetry } from '@fable-jobs/db';
import type { Config, Logger } from '@fable-jobs/runtime';

/** Create databases (when allowed) and apply pending migrations on MySQL and PostgreSQL. */
export async function migrate(config: Config, log: Logger, opts: { createDatabases?: boolean } = {}): Promise<void> {
  const createDatabases = opts.createDatabases ?? (config.app.env === 'dev' || config.app.env === 'test');
  const result = await migrateWithRetry(config, { createDatabases });
  log.info(
    { mysql: result.mysql.length ? result.mysql : 'up to date', postgres: result.postgres.length ? result.postgres : 'up to date' },
    'migrations applied',
  );
}
