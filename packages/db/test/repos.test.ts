import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@fable-jobs/runtime';
import { EffectsRepo, JobRunsRepo, LedgerRepo, LegacyJobsRepo, MYSQL_MIGRATIONS, POSTGRES_MIGRATIONS, migrateAll, migrationStatus, mysqlKnex, postgresKnex, ProcessingStatus } from '../src/index.ts';

const { config } = loadConfig({ DB_DB: 'fable_jobs_test', ANALYTICS_DB_NAME: 'fable_analytics_test' });
const mysql = mysqlKnex(config.mysql);
afterAll(() => mysql.destroy());
const unique = () => `${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('migrations', () => {
  it('are idempotent and leave nothing pending', async () => {
    const again = await migrateAll(config, { createDatabases: false });
    expect(again).toEqual({ mysql: [], postgres: [] });
    expect((await migrationStatus(mysql, MYSQL_MIGRATIONS)).pending).toEqual([]);
    const pg = postgresKnex(config.postgres);
    try {
      expect((await migrationStatus(pg, POSTGRES_MIGRATIONS)).pending).toEqual([]);
    } finally {
      await pg.destroy();
    }
  });
});

describe('EffectsRepo', () => {
  it('counts an effect once per idempotency key and every run as an execution, concurrent repeats included', async () => {
    const repo = new EffectsRepo(mysql);
    const key = `eff-${unique()}`;
    expect(await repo.record(key, `${key}:job-1:100`)).toBe('recorded');
    // A re-run of the same job instance (its lock lapsed), twice at once: both wait on the key.
    expect(await Promise.all([repo.record(key, `${key}:job-1:100`), repo.record(key, `${key}:job-1:100`)])).toEqual(['repeat', 'repeat']);
    // Another job for the same key (e.g. a second message the bridge failed to dedupe) is a second effect.
    expect(await repo.record(key, `${key}:job-1:200`)).toBe('recorded');
    expect((await repo.counts(key)).get(key)).toBe(2);
    expect((await repo.tallies(key)).get(key)?.executions).toBe(4);
    expect(await repo.distinct(key)).toBe(1);
  });
});

describe('LegacyJobsRepo', () => {
  it('updates rows by job_key and only those; a missing key is reported, not created', async () => {
    const repo = new LegacyJobsRepo(mysql);
    const key = `k-${unique()}`;
    await mysql('jobs').insert({ job_type: 'TRANSCODE_AUDIO', job_key: key, processing_status: ProcessingStatus.Touched });
    expect(await repo.markInProcess(key)).toBe(true);
    expect((await repo.get(key))?.processing_status).toBe(2);
    expect(await repo.markProcessed(key, { meta: { engine: 'ffmpeg' }, duration: '42s' })).toBe(true);
    expect(await repo.get(key)).toMatchObject({ processing_status: 3, failure_reason: null, info: { meta: { engine: 'ffmpeg' }, duration: '42s' } });
    expect(await repo.markFailed(key, 'x'.repeat(5000))).toBe(true);
    expect((await repo.get(key))?.failure_reason).toHaveLength(4000);
    expect(await repo.markInProcess(`missing-${unique()}`)).toBe(false);
    expect(await repo.get(`missing-${unique()}`)).toBeUndefined();
  });
});

describe('LedgerRepo', () => {
  it('keeps an accepted key accepted, counts receives, and prunes old entries', async () => {
    const repo = new LedgerRepo(mysql);
    const key = `idem:${unique()}`;
    const old = new Date(Date.now() - 40 * 86_400_000);
    await repo.record([{ key, messageId: 'm1', messageType: 'NF', status: 'accepted', jobs: [{ queue: 'q', jobId: 'j' }], seenAt: old }]);
    await repo.record([{ key, messageId: 'm2', status: 'dead-lettered', errorCode: 'X', reason: 'r', seenAt: old }]);
    expect(await repo.get(key)).toMatchObject({ status: 'accepted', message_id: 'm1', receive_count: 2, error_code: null, jobs: [{ queue: 'q', jobId: 'j' }] });
    expect(await repo.findAccepted([key, `other-${unique()}`])).toEqual(new Set([key]));
    const fresh = `fresh:${unique()}`;
    await repo.record([{ key: fresh, messageId: 'm3', status: 'accepted', seenAt: new Date() }]);
    expect(await repo.prune(new Date(Date.now() - 30 * 86_400_000))).toBeGreaterThanOrEqual(1);
    expect(await repo.get(key)).toBeUndefined();
    expect(await repo.get(fresh)).toBeDefined();
  });
});

describe('JobRunsRepo', () => {
  it('upserts many runs in one statement: dates to the millisecond, quotes as data, later events win', async () => {
    const repo = new JobRunsRepo(mysql);
    const q = `test.${unique()}`;
    const enqueuedAt = new Date(Date.UTC(2026, 10, 28, 12, 0, 0, 123));
    const startedAt = new Date(enqueuedAt.getTime() + 45);
    await repo.upsertMany([
      { queue: q, jobId: 'a', state: 'active', attempts: 1, messageId: "m'1", enqueuedAt, startedAt },
      { queue: q, jobId: 'b', state: 'failed', attempts: 2, errorCode: 'X', error: "it's -- '); DROP TABLE job_runs; --" },
    ]);
    await repo.upsertMany([{ queue: q, jobId: 'a', state: 'completed', attempts: 1, finishedAt: new Date(startedAt.getTime() + 10), durationMs: 10 }]);
    const a = await repo.get(q, 'a');
    expect(a).toMatchObject({ state: 'completed', message_id: "m'1", duration_ms: 10 });
    expect((a?.['enqueued_at'] as Date).toISOString()).toBe('2026-11-28T12:00:00.123Z');
    expect((a?.['started_at'] as Date).toISOString()).toBe('2026-11-28T12:00:00.168Z');
    expect(await repo.get(q, 'b')).toMatchObject({ state: 'failed', attempts: 2, error: "it's -- '); DROP TABLE job_runs; --" });
  });
});
