import type { Config } from '@fable-jobs/runtime';
import { ensureMysqlDatabase, ensurePostgresDatabase, mysqlKnex, postgresKnex } from './knex.ts';
import { MYSQL_MIGRATIONS, POSTGRES_MIGRATIONS, migrateLatest } from './migrations/index.ts';

export interface MigrateResult {
  mysql: string[];
  postgres: string[];
}

/**
 * Create the databases when missing and apply pending migrations (MySQL and PostgreSQL).
 */
export async function migrateAll(
  config: Pick<Config, 'mysql' | 'postgres'>,
  opts: { createDatabases?: boolean } = {},
): Promise<MigrateResult> {
  if (opts.createDatabases ?? true) {
    await ensureMysqlDatabase(config.mysql);
    await ensurePostgresDatabase(config.postgres);
  }
  const my = mysqlKnex(config.mysql);
  const pg = postgresKnex(config.postgres);
  try {
    const mysql = await migrateLatest(my, MYSQL_MIGRATIONS);
    const postgres = await migrateLatest(pg, POSTGRES_MIGRATIONS);
    return { mysql, postgres };
  } finally {
    await Promise.all([my.destroy(), pg.destroy()]);
  }
}

/**
 * migrateAll, waiting out a migration lock held by another process starting at the same time
 * (several replicas, or several test runs) instead of failing.
 */
export async function migrateWithRetry(config: Pick<Config, 'mysql' | 'postgres'>, opts: { createDatabases?: boolean; timeoutMs?: number } = {}): Promise<MigrateResult> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  for (;;) {
    try {
      return await migrateAll(config, { createDatabases: opts.createDatabases ?? false });
    } catch (err) {
      if (Date.now() > deadline || !/lock|Duplicate|already exists|duplicate key/i.test((err as Error).message)) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
