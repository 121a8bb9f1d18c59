import type { Knex } from 'knex';
import { initial } from './mysql/001-initial.ts';
import { integrationsMigrations } from './mysql/002-integrations.ts';
import { llmMigrations } from './mysql/003-llm.ts';
import { operations } from './mysql/004-operations.ts';
import { leanIndexes } from './mysql/005-lean-indexes.ts';
import { effectIdempotency } from './mysql/006-effect-idempotency.ts';
import { schema } from './postgres/001-schema.ts';
import { analyticsMigrations } from './postgres/002-analytics.ts';
import { CodeMigrationSource, type Migration } from './source.ts';

export { CodeMigrationSource, type Migration } from './source.ts';

/** In order. Append; never edit a migration that has shipped. */
export const MYSQL_MIGRATIONS: Migration[] = [initial, ...integrationsMigrations, ...llmMigrations, operations, leanIndexes, effectIdempotency];
export const POSTGRES_MIGRATIONS: Migration[] = [schema, ...analyticsMigrations];

const TABLE = 'fable_jobs_migrations';

export async function migrateLatest(knex: Knex, migrations: readonly Migration[], schemaName?: string): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({
    migrationSource: new CodeMigrationSource(migrations),
    tableName: TABLE,
    ...(schemaName ? { schemaName } : {}),
  })) as [number, string[]];
  return applied;
}

export async function migrationStatus(knex: Knex, migrations: readonly Migration[], schemaName?: string): Promise<{ done: string[]; pending: string[] }> {
  const [done, pending] = (await knex.migrate.list({
    migrationSource: new CodeMigrationSource(migrations),
    tableName: TABLE,
    ...(schemaName ? { schemaName } : {}),
  })) as [Array<{ name: string } | string>, Array<{ file?: string; name?: string } | Migration>];
  const name = (m: unknown) => (typeof m === 'string' ? m : ((m as { name?: string; file?: string }).name ?? (m as { file?: string }).file ?? '?'));
  return { done: done.map(name), pending: pending.map(name) };
}
