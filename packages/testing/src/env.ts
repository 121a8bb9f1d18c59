import { loadConfig, type Config } from '@fable-jobs/runtime';

/** The environment tests run with: their own databases, quiet logs unless FABLE_TEST_LOG is set. */
export function testEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    APP_ENV: 'test',
    LOG_LEVEL: process.env['FABLE_TEST_LOG'] ?? 'silent',
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    DB_CONN_URL: process.env['DB_CONN_URL'] ?? '127.0.0.1:3306',
    DB_USER: process.env['DB_USER'] ?? 'root',
    DB_PWD: process.env['DB_PWD'] ?? '',
    DB_DB: process.env['FABLE_TEST_MYSQL_DB'] ?? 'fable_jobs_test',
    ANALYTICS_DB_CONN_URL: process.env['ANALYTICS_DB_CONN_URL'] ?? '127.0.0.1:5432',
    ANALYTICS_DB_USER: process.env['ANALYTICS_DB_USER'] ?? 'postgres',
    ANALYTICS_DB_NAME: process.env['FABLE_TEST_PG_DB'] ?? 'fable_analytics_test',
    // Tests share one database and run side by side: a fleet a test starts must not prune records
    // another test planted as old (the retention test runs its own sweeper with 30 days).
    JOB_RECORD_RETENTION_DAYS: '3650',
    ...overrides,
  };
}

export function testConfig(overrides: Record<string, string | undefined> = {}): { config: Config; secrets: string[] } {
  return loadConfig(testEnv(overrides));
}
