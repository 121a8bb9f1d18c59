import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_KINDS } from '@fable-jobs/contracts';
import { DLQ_ATTRIBUTE } from '@fable-jobs/bridge';
import { enqueue } from '@fable-jobs/queue';
import { demoAnalyticsSeed, seedAnalytics, until } from '@fable-jobs/testing';
import { runsOf, startFleet, type Fleet } from './fleet.ts';

let f: Fleet;
beforeAll(async () => {
  f = await startFleet({
    env: {
      ANALYTICS_UPDATE_HOUSE_LEAD_STATEMENT_TIMEOUT_MS: '300',
      ANALYTICS_CALCULATE_HOUSE_LEAD_METRICS_STATEMENT_TIMEOUT_MS: '200',
      JOB_OVERRIDES: JSON.stringify({
        'analytics.update-house-lead': { attempts: 4, backoffMs: 100 },
        'analytics.calculate-house-lead-metrics': { attempts: 2, backoffMs: 100 },
      }),
    },
  });
  await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
});
afterAll(async () => {
  await f?.close();
});

const KNOWN = Object.keys(ANALYTICS_KINDS).join(', ');

describe('kinds that do not exist', () => {
  it('an unknown kind sent through SQS is dead-lettered at once with the reason (nothing is enqueued)', async () => {
    const jobId = await f.trigger('REBUILD_EVERYTHING');
    await until(async () => (await f.sqs.depth(f.dlqUrl)).visible === 1, { what: 'the message in the DLQ' });
    const [dead] = await f.sqs.drain(f.dlqUrl);
    const info = JSON.parse(dead?.MessageAttributes?.[DLQ_ATTRIBUTE]?.StringValue ?? '{}') as { code?: string; reason?: string };
    expect(info.code).toBe('BRIDGE_UNKNOWN_SUBTYPE');
    expect(info.reason).toBe(`TRIGGER_ANALYTICS_JOB: unknown job "REBUILD_EVERYTHING" (known: ${KNOWN})`);
    for (const name of Object.values(ANALYTICS_KINDS)) expect(await f.queues.get(name).getJob(jobId)).toBeUndefined();
  });

  it('a job replayed with an edited kind fails permanently (one attempt) with a clear reason, and is recorded', async () => {
    const queue = f.queues.get('analytics.update-house-lead');
    const unknown = await enqueue(f.queues, { name: 'analytics.update-house-lead', data: { kind: 'DROP_EVERYTHING', trigger: 'operator' }, jobId: 'replay-unknown', meta: { source: 'operator' } });
    const unknownJob = await f.settled(queue, unknown.id ?? '', 'failed');
    expect(unknownJob.failedReason).toBe(`ANALYTICS_UNKNOWN_KIND: unknown analytics kind "DROP_EVERYTHING" (known: ${KNOWN})`);
    expect(unknownJob.attemptsMade).toBe(1);

    const foreign = await enqueue(f.queues, { name: 'analytics.update-house-lead', data: { kind: 'ACTIVITY_DT_DATA_TRUNCATE', trigger: 'operator' }, jobId: 'replay-foreign' });
    const failed = await f.settled(queue, foreign.id ?? '', 'failed');
    expect(failed.failedReason).toBe('ANALYTICS_KIND_MISMATCH: analytics kind ACTIVITY_DT_DATA_TRUNCATE runs as job analytics.activity-dt-data-truncate, not as analytics.update-house-lead');
    expect(failed.attemptsMade).toBe(1);

    const [rejected] = await runsOf(f.h, 'DROP_EVERYTHING');
    expect(rejected).toMatchObject({ status: 'failed', job_key: 'replay-unknown', trigger: 'operator', error_code: 'ANALYTICS_UNKNOWN_KIND', will_retry: false });
    // Nothing ran for the kind the edited job was filed under.
    expect(await runsOf(f.h, 'UPDATE_HOUSE_LEAD')).toEqual([]);
  });
});

describe('a failing function', () => {
  it('records the failure (reason, PostgreSQL context, will retry), rolls back, and the retry succeeds on the same window', async () => {
    const blocker = await f.h.postgres.transaction();
    let jobId: string;
    try {
      // update_house_lead cannot write al.house_lead: its statement waits until its 300 ms statement_timeout cancels it.
      await blocker.raw('LOCK TABLE al.house_lead IN ACCESS EXCLUSIVE MODE');
      jobId = await f.trigger('UPDATE_HOUSE_LEAD');
      await until(async () => (await runsOf(f.h, 'UPDATE_HOUSE_LEAD')).some((r) => r.status === 'failed'), { what: 'a failed attempt', timeoutMs: 20_000 });
    } finally {
      await blocker.rollback();
    }
    const job = await f.settled(f.queues.get('analytics.update-house-lead'), jobId, 'completed');
    const runs = await runsOf(f.h, 'UPDATE_HOUSE_LEAD');
    const failed = runs.filter((r) => r.status === 'failed');
    const succeeded = runs.filter((r) => r.status === 'succeeded');
    expect(failed.length).toBeGreaterThanOrEqual(1);
    expect(succeeded).toHaveLength(1);
    expect(failed[0]).toMatchObject({
      attempt: 1,
      error_code: 'ANALYTICS_STATEMENT_TIMEOUT',
      failure_reason: 'UPDATE_HOUSE_LEAD: al.update_house_lead ran longer than the statement timeout of 300 ms and was canceled (SQLSTATE 57014)',
      will_retry: true,
    });
    expect(failed[0]?.failure_stack).toMatch(/PostgreSQL context: .*PL\/pgSQL function al\.update_house_lead\(timestamp with time zone,timestamp with time zone\)/s);
    // Retried with the job's attempts; the failed attempts did not move the watermark.
    expect(succeeded[0]?.attempt).toBe(failed.length + 1);
    expect(job.attemptsMade).toBe(failed.length + 1);
    for (const r of runs) expect(r.low_watermark).toEqual(runs[0]?.low_watermark);
    expect(succeeded[0]?.result).toEqual({ houseLeads: 3, metricRows: 4 });
  });

  it('a run that fails on every attempt fails the job, and the last record says why and that no retry follows', async () => {
    const blocker = await f.h.postgres.transaction();
    try {
      await blocker.raw('LOCK TABLE al.house_lead_metrics IN ACCESS EXCLUSIVE MODE');
      const jobId = await f.trigger('CALCULATE_HOUSE_LEAD_METRICS');
      const job = await f.settled(f.queues.get('analytics.calculate-house-lead-metrics'), jobId, 'failed', 20_000);
      expect(job.attemptsMade).toBe(2);
      expect(job.failedReason).toBe('ANALYTICS_STATEMENT_TIMEOUT: CALCULATE_HOUSE_LEAD_METRICS: al.update_house_lead_metrics ran longer than the statement timeout of 200 ms and was canceled (SQLSTATE 57014)');
    } finally {
      await blocker.rollback();
    }
    const runs = await runsOf(f.h, 'CALCULATE_HOUSE_LEAD_METRICS');
    expect(runs.map((r) => [r.attempt, r.status, r.error_code, r.will_retry])).toEqual([
      [1, 'failed', 'ANALYTICS_STATEMENT_TIMEOUT', true],
      [2, 'failed', 'ANALYTICS_STATEMENT_TIMEOUT', false],
    ]);
    // Rolled back: the metrics rows written by the house-lead test are all still there.
    expect(await f.h.postgres('al.house_lead_metrics').count({ n: '*' })).toEqual([{ n: '4' }]);
  });
});
