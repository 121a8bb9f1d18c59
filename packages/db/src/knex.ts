import knexFactory, { type Knex } from 'knex';
import type { Config } from '@fable-jobs/runtime';

export type { Knex };

type MysqlConfig = Config['mysql'];
type PostgresConfig = Config['postgres'];

export function mysqlKnex(cfg: MysqlConfig, opts: { database?: string | null } = {}): Knex {
  const database = opts.database === null ? undefined : (opts.database ?? cfg.database);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: cfg.address.host,
      port: cfg.address.port,
      user: cfg.user,
      password: cfg.password,
      ...(database ? { database } : {}),
      timezone: 'Z',
      charset: 'utf8mb4',
      supportBigNumbers: true,
      connectTimeout: 5000,
    },
    pool: { min: 0, max: cfg.poolMax, acquireTimeoutMillis: 10_000 } as Knex.PoolConfig,
    acquireConnectionTimeout: 10_000,
  });
}

export function postgresKnex(cfg: PostgresConfig, opts: { database?: string; applicationName?: string; statementTimeoutMs?: number } = {}): Knex {
  return knexFactory({
    client: 'pg',
    connection: {
      host: cfg.address.host,
      port: cfg.address.port,
      user: cfg.user,
      password: cfg.password,
      database: opts.database ?? cfg.database,
      application_name: opts.applicationName ?? 'fable-jobs',
      connectionTimeoutMillis: 5000,
      ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
    },
    pool: { min: 0, max: cfg.poolMax },
    acquireConnectionTimeout: 10_000,
  });
}

/** Create the configured databases when missing (development, tests, first deploy). */
export async function ensureMysqlDatabase(cfg: MysqlConfig): Promise<void> {
  const admin = mysqlKnex(cfg, { database: null });
  try {
    await admin.raw('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [cfg.database]);
  } finally {
    await admin.destroy();
  }
}

export async function ensurePostgresDatabase(cfg: PostgresConfig): Promise<void> {
  const admin = postgresKnex(cfg, { database: 'postgres' });
  try {
    const found = await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [cfg.database]);
    if (found.rows.length === 0) {
      try {
        await admin.raw('CREATE DATABASE ??', [cfg.database]);
      } catch (err) {
        // Two processes raced to create it: fine.
        if ((err as { code?: string }).code !== '42P04' && (err as { code?: string }).code !== '23505') throw err;
      }
    }
  } finally {
    await admin.destroy();
  }
}
