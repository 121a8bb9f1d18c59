import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { encodeMessage, jobIdFor } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import { upsertSchedules } from '@fable-jobs/queue';
import { demoAnalyticsSeed, seedAnalytics, until } from '@fable-jobs/testing';
import { rows, runsOf, startFleet, type Fleet } from './fleet.ts';

let f: Fleet;
beforeAll(async () => {
  f = await startFleet({ replicas: 2 });
  await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
});
afterAll(async () => {
  await f?.close();
});
beforeEach(async () => {
  await f.h.postgres.raw('TRUNCATE al.job_runs');
});

/** Keep runs of the metrics views inside their query (they wait for activity_dt) until released. */
async function holdActivity(): Promise<Knex.Transaction> {
  const blocker = await f.h.postgres.transaction();
  await blocker.raw('LOCK TABLE al.activity_dt IN ACCESS EXCLUSIVE MODE');
  return blocker;
}

const running = (kind: string) => rows<{ id: number }>(f.h, "SELECT id::int FROM al.job_runs WHERE kind = ? AND status = 'running'", [kind]);

describe('one run per kind at a time', () => {
  it('two triggers at once run one job (BullMQ deduplication by job name)', async () => {
    const queue = f.queues.get('analytics.refresh-entity-metrics');
    const blocker = await holdActivity();
    let ids: string[];
    try {
      const sent = await f.sqs.send(f.queueUrl, [
        encodeMessage('TRIGGER_ANALYTICS_JOB', 'json', { job: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW' }),
        encodeMessage('TRIGGER_ANALYTICS_JOB', 'legacy', { job: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW' }),
      ]);
      ids = sent.map((id) => jobIdFor(id));
      // Both messages accepted by the bridge (deleted from SQS) while the first run is still going.
      await until(async () => {
        const d = await f.sqs.depth(f.queueUrl);
        return d.visible === 0 && d.inFlight === 0;
      }, { what: 'both triggers accepted' });
      await until(async () => (await running('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW')).length === 1, { what: 'the run in progress' });
    } finally {
      await blocker.rollback();
    }
    const jobs = (await Promise.all(ids.map((id) => queue.getJob(id)))).filter((j) => j !== undefined);
    expect(jobs).toHaveLength(1);
    await f.settled(queue, jobs[0]?.id ?? '', 'completed');
    const counts = await queue.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    expect(counts).toEqual({ completed: 1, failed: 0, waiting: 0, active: 0, delayed: 0 });
    const runs = await runsOf(f.h, 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW');
    expect(runs.map((r) => r.status)).toEqual(['succeeded']);
  });

  it('a scheduled run while a triggered run is in progress is coalesced into it by the run lock, on another replica', async () => {
    const kind = 'CALCULATE_ENTITY_SUB_ENTITY_METRICS';
    const queue = f.queues.get('analytics.calculate-entity-sub-entity-metrics');
    const blocker = await holdActivity();
    try {
      const triggered = await f.trigger(kind);
      await until(async () => (await running(kind)).length === 1, { what: 'the triggered run in progress' });
      const [inProgress] = await running(kind);
      // Scheduler-made jobs bypass deduplication: every second one lands on the idle replica.
      await upsertSchedules(f.queues, [{ job: 'analytics.calculate-entity-sub-entity-metrics', cron: '* * * * * *', tz: 'UTC', data: { kind, trigger: 'schedule' } }]);
      await until(async () => (await runsOf(f.h, kind)).some((r) => r.status === 'coalesced'), { what: 'a coalesced scheduled run', timeoutMs: 10_000 });
      await upsertSchedules(f.queues, [{ job: 'analytics.calculate-entity-sub-entity-metrics', cron: null, tz: 'UTC', data: { kind, trigger: 'schedule' } }]);

      const coalesced = (await runsOf(f.h, kind)).filter((r) => r.status === 'coalesced');
      expect(coalesced.length).toBeGreaterThan(0);
      for (const c of coalesced) expect(c).toMatchObject({ trigger: 'schedule', result: { coalescedInto: inProgress?.id } });
      const scheduledJob = await queue.getJob(coalesced[0]?.job_key ?? '');
      expect(scheduledJob?.returnvalue).toMatchObject({ status: 'coalesced', coalescedInto: inProgress?.id });
      // Never two at once.
      expect(await running(kind)).toEqual([inProgress]);
      await blocker.rollback();
      const done = await f.settled(queue, triggered, 'completed');
      expect(done.returnvalue).toMatchObject({ status: 'succeeded', runId: inProgress?.id });
    } finally {
      if (!blocker.isCompleted()) await blocker.rollback();
    }
  });
});
