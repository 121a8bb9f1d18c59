import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAnalyticsSeed, seedAnalytics, startTcpProxy, until, type TcpProxy } from '@fable-jobs/testing';
import { runsOf, startFleet, type Fleet } from './fleet.ts';

describe('PostgreSQL outage', () => {
  let f: Fleet;
  let proxy: TcpProxy;
  beforeAll(async () => {
    proxy = await startTcpProxy({ host: '127.0.0.1', port: 5432 });
    f = await startFleet({
      env: { ANALYTICS_JOBS_DB_CONN_URL: `127.0.0.1:${proxy.port}`, JOB_OVERRIDES: JSON.stringify({ 'analytics.activity-dt-data-truncate': { attempts: 5, backoffMs: 300 } }) },
    });
      await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
  });
  afterAll(async () => {
    await f?.close();
    await proxy?.close();
  });

  it('a run that cannot reach PostgreSQL is retried with backoff and succeeds once the database is back', async () => {
    await proxy.down();
    const queue = f.queues.get('analytics.activity-dt-data-truncate');
    const jobId = await f.trigger('ACTIVITY_DT_DATA_TRUNCATE');
    // Two attempts fail while the database is away (nothing can be recorded in it meanwhile).
    await until(async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 2, { what: 'two failed attempts', timeoutMs: 20_000 });
    const during = await queue.getJob(jobId);
    expect(await during?.getState()).toMatch(/delayed|waiting|active/);
    expect(during?.stacktrace?.at(-1)).toMatch(/^RetryableError: ANALYTICS_DB_UNAVAILABLE: ACTIVITY_DT_DATA_TRUNCATE: connect: PostgreSQL is unavailable: .*ECONNREFUSED/);
    expect(await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE')).toEqual([]);

    await proxy.restore();
    const job = await f.settled(queue, jobId, 'completed');
    expect(job.attemptsMade).toBeGreaterThanOrEqual(3);
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', summary: { duplicatesRemoved: 7 } });
    const runs = await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE');
    expect(runs.map((r) => [r.status, r.attempt])).toEqual([['succeeded', job.attemptsMade]]);
    // Exponential backoff from 300 ms (up to half of each delay is jitter): retries are spread out, not immediate.
    expect((job.processedOn ?? 0) - job.timestamp).toBeGreaterThanOrEqual((300 + 600) / 2);
  });

  it('a connection cut mid-run: PostgreSQL ends the orphaned statement, the retry takes over and records the cut run as abandoned', async () => {
    const queue = f.queues.get('analytics.activity-dt-data-truncate');
    const waiting = () =>
      f.h.postgres
        .raw("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'fable-jobs:analytics' AND query LIKE 'SELECT al.remove_duplicates_activity_dt%' AND state = 'active'")
        .then((r: { rows: Array<{ n: number }> }) => r.rows[0]?.n ?? 0);
    const blocker = await f.h.postgres.transaction();
    try {
      await blocker.raw('LOCK TABLE al.activity_dt IN ACCESS EXCLUSIVE MODE');
      const jobId = await f.trigger('ACTIVITY_DT_DATA_TRUNCATE');
      await until(async () => (await waiting()) === 1, { what: 'the run waiting inside its function' });
      const [cut] = (await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE')).filter((r) => r.status === 'running');

      await proxy.down();
      await until(async () => ((await queue.getJob(jobId))?.attemptsMade ?? 0) >= 1, { what: 'the attempt failed' });
      expect((await queue.getJob(jobId))?.stacktrace?.at(-1)).toMatch(/ANALYTICS_DB_UNAVAILABLE: ACTIVITY_DT_DATA_TRUNCATE: al\.remove_duplicates_activity_dt: PostgreSQL is unavailable/);
      // Its backend no longer has a client: PostgreSQL notices and ends it (releasing the run lock).
      await until(async () => (await waiting()) === 0, { what: 'the orphaned statement ended', timeoutMs: 15_000 });
      await proxy.restore();
      await blocker.rollback();

      const job = await f.settled(queue, jobId, 'completed');
      expect(job.returnvalue).toMatchObject({ status: 'succeeded' });
      const runs = (await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE')).filter((r) => r.id >= (cut?.id ?? 0));
      expect(runs[0]).toMatchObject({ id: cut?.id, status: 'failed', error_code: 'ANALYTICS_RUN_ABANDONED', will_retry: false });
      expect(runs.at(-1)).toMatchObject({ status: 'succeeded', attempt: job.attemptsMade });
      expect(runs.at(-1)?.low_watermark).toEqual(cut?.low_watermark);
    } finally {
      if (!blocker.isCompleted()) await blocker.rollback();
      await proxy.restore();
    }
  });
});

describe('read/write split: the analytics pool connects with its own role and pool size', () => {
  const role = `fable_al_jobs_${randomBytes(3).toString('hex')}`;
  let f: Fleet;
  beforeAll(async () => {
    f = await startFleet({ env: { ANALYTICS_JOBS_DB_USER: role, ANALYTICS_JOBS_DB_POOL_MAX: '2' } });
      await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
    // A writer role with table rights in al, but not owner of the materialized views.
    await f.h.postgres.raw(`CREATE ROLE ${role} LOGIN`);
    await f.h.postgres.raw(`GRANT USAGE ON SCHEMA al TO ${role}`);
    await f.h.postgres.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA al TO ${role}`);
  });
  afterAll(async () => {
    // The role's sessions end first (its replica stops), then its grants, then the role (it is cluster-wide).
    for (const r of f?.replicas ?? []) await r.stop();
    await f?.h.postgres.raw(`DROP OWNED BY ${role}`);
    await f?.h.postgres.raw(`DROP ROLE IF EXISTS ${role}`);
    await f?.close();
  });

  it('runs as the configured role (and REFRESH needs that role to own the views)', async () => {
    const analytics = f.replicas[0]?.analytics;
    expect(analytics?.settings.db).toMatchObject({ user: role, poolMax: 2 });

    const job = await f.run('ACTIVITY_DT_DATA_TRUNCATE');
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', summary: { duplicatesRemoved: 7 } });
    const [run] = await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE');
    expect(run?.db_role).toBe(role);

    const queue = f.queues.get('analytics.refresh-entity-metrics');
    const refresh = await f.trigger('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW');
    await until(async () => ((await queue.getJob(refresh))?.attemptsMade ?? 0) >= 1, { what: 'the refresh attempted' });
    const [failed] = await runsOf(f.h, 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW');
    expect(failed).toMatchObject({ status: 'failed', db_role: role, error_code: 'ANALYTICS_SQL_FAILED', will_retry: true });
    expect(failed?.failure_reason).toMatch(/refresh al\.entity_metrics failed: .*must be owner of materialized view entity_metrics \(SQLSTATE 42501\)/);
    await queue.remove(refresh).catch(() => {});
  });
});
