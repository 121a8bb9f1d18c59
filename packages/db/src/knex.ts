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

interface Mysql2Connection {
  query(sql: string, values: readonly unknown[], cb: (err: Error | null) => void): void;
}

/**
 * A write statement with many bindings (the multi-row upserts of job runs and the ledger), sent
 * to mysql2 directly. knex's raw formatter walks every `?` before handing the same bindings to
 * the driver, and at a thousand rows (14,000 bindings) per statement that showed as ~4 % of a
 * busy worker's CPU. Values are still escaped by the driver; any other client goes through knex.
 */
export async function writeMany(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<void> {
  if (knex.client.config.client !== 'mysql2') {
    await knex.raw(sql, bindings as Knex.RawBinding[]);
    return;
  }
  const conn = (await knex.client.acquireConnection()) as Mysql2Connection;
  try {
    await new Promise<void>((resolve, reject) => conn.query(sql, bindings, (err) => (err ? reject(err) : resolve())));
  } finally {
    await knex.client.releaseConnection(conn);
  }
}

/**
 * Delete the rows `rows()` selects, `batch` at a time (short locks, bounded undo), until a batch
 * comes back short or `signal` aborts; returns how many went. Retention sweeps use it.
 */
export async function deleteInBatches(rows: () => Knex.QueryBuilder, batch = 5000, signal?: AbortSignal): Promise<number> {
  let total = 0;
  for (;;) {
    const n: number = await rows().limit(batch).delete();
    total += n;
    if (n < batch || signal?.aborted) return total;
  }
}
