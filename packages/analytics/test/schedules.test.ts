import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYTICS_KINDS, type AnalyticsKind } from '@fable-jobs/contracts';
import { upsertSchedules, type QueueSet, type ScheduleSpec } from '@fable-jobs/queue';
import { demoAnalyticsSeed, seedAnalytics, until } from '@fable-jobs/testing';
import { runsOf, startFleet, type Fleet } from './fleet.ts';

let f: Fleet;
beforeAll(async () => {
  f = await startFleet({ replicas: 2, env: { ANALYTICS_UPDATE_HOUSE_LEAD_TZ: 'Asia/Kolkata', ANALYTICS_SCHEDULE_TZ: 'Europe/Berlin' } });
  await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
});
afterAll(async () => {
  await f?.close();
});

const JOBS = Object.values(ANALYTICS_KINDS);

/** Per job: its schedulers (id, pattern, tz) and its delayed jobs, as Redis holds them. */
async function scheduleState(queues: QueueSet) {
  const state: Record<string, { schedulers: Array<{ key: string; pattern?: string | undefined; tz?: string | undefined }>; delayed: number }> = {};
  for (const job of JOBS) {
    const q = queues.get(job);
    const schedulers = await q.getJobSchedulers();
    state[job] = { schedulers: schedulers.map((s) => ({ key: s.key, pattern: s.pattern, tz: s.tz })), delayed: await q.getDelayedCount() };
  }
  return state;
}

describe('schedules', () => {
  it('two replicas starting at once create each schedule once, with the configured pattern and time zone', async () => {
    const [a, b] = f.replicas;
    // What startWorker does on each replica when the analytics pool starts.
    const results = await Promise.all([upsertSchedules(a!.queues, a!.analytics.schedules), upsertSchedules(b!.queues, b!.analytics.schedules)]);
    expect(results[0]?.map((r) => r.action)).toEqual(['upserted', 'upserted', 'upserted', 'upserted', 'absent', 'upserted']);

    const one = (pattern: string, tz: string, job: string) => ({ schedulers: [{ key: job, pattern, tz }], delayed: 1 });
    expect(await scheduleState(f.queues)).toEqual({
      'analytics.refresh-entity-metrics': one('0 * * * *', 'Europe/Berlin', 'analytics.refresh-entity-metrics'),
      'analytics.refresh-daily-entity-metrics': one('20 0 * * *', 'Europe/Berlin', 'analytics.refresh-daily-entity-metrics'),
      'analytics.calculate-entity-sub-entity-metrics': one('30 * * * *', 'Europe/Berlin', 'analytics.calculate-entity-sub-entity-metrics'),
      'analytics.update-house-lead': one('0 2 * * *', 'Asia/Kolkata', 'analytics.update-house-lead'),
      // Off by default: the old service never ran it, and UPDATE_HOUSE_LEAD recomputes the metrics anyway.
      'analytics.calculate-house-lead-metrics': { schedulers: [], delayed: 0 },
      'analytics.activity-dt-data-truncate': one('0 1 * * *', 'Europe/Berlin', 'analytics.activity-dt-data-truncate'),
    });
    // 02:00 in Kolkata is 20:30 UTC; the scheduled job carries the kind and where it came from.
    const house = results[0]?.find((r) => r.job === 'analytics.update-house-lead');
    const next = new Date(house?.nextAt ?? 0);
    expect([next.getUTCHours(), next.getUTCMinutes()]).toEqual([20, 30]);
    const [delayed] = await f.queues.get('analytics.update-house-lead').getDelayed();
    expect(delayed?.data).toEqual({ kind: 'UPDATE_HOUSE_LEAD', trigger: 'schedule', _meta: { source: 'schedule' } });
  });

  it('schedules survive a restart of every replica; a restart with a changed pattern updates it in place; off removes it', async () => {
    const before = await scheduleState(f.queues);
    const schedules = f.replicas[0]!.analytics.schedules;
    for (const r of [...f.replicas]) await r.stop();
    f.replicas.length = 0;

    const fresh = await f.addReplica();
    // Nothing upserted yet by the new process: Redis kept them.
    expect(await scheduleState(fresh.queues)).toEqual(before);

    const changed: ScheduleSpec[] = schedules.map((s) =>
      s.job === 'analytics.refresh-daily-entity-metrics' ? { ...s, cron: '45 3 * * *' } : s.job === 'analytics.activity-dt-data-truncate' ? { ...s, cron: null } : s,
    );
    await Promise.all([upsertSchedules(fresh.queues, changed), upsertSchedules(fresh.queues, changed)]);
    const after = await scheduleState(fresh.queues);
    expect(after['analytics.refresh-daily-entity-metrics']).toEqual({ schedulers: [{ key: 'analytics.refresh-daily-entity-metrics', pattern: '45 3 * * *', tz: 'Europe/Berlin' }], delayed: 1 });
    expect(after['analytics.activity-dt-data-truncate']).toEqual({ schedulers: [], delayed: 0 });
    expect(after['analytics.refresh-entity-metrics']).toEqual(before['analytics.refresh-entity-metrics']);
  });

  it('a schedule runs its kind without any trigger', async () => {
    const kind: AnalyticsKind = 'REFRESH_DAILY_ENTITY_METRICS';
    const job = ANALYTICS_KINDS[kind];
    const spec: ScheduleSpec = { job, cron: '* * * * * *', tz: 'UTC', data: { kind, trigger: 'schedule' } };
    await upsertSchedules(f.queues, [spec]);
    try {
      await until(async () => (await runsOf(f.h, kind)).some((r) => r.status === 'succeeded'), { what: 'a scheduled run', timeoutMs: 15_000 });
    } finally {
      await upsertSchedules(f.queues, [{ ...spec, cron: null }]);
    }
    const [run] = (await runsOf(f.h, kind)).filter((r) => r.status === 'succeeded');
    expect(run).toMatchObject({ trigger: 'schedule', result: { rows: 7 } });
    expect(run?.job_key).toMatch(new RegExp(`^repeat:${job.replace(/\./g, '\\.')}:\\d+$`));
  });

  it('refuses a schedule whose data does not fit the job', async () => {
    await expect(upsertSchedules(f.queues, [{ job: 'analytics.update-house-lead', cron: '0 2 * * *', tz: 'UTC', data: { kind: 'UPDATE_HOUSE_LEAD', trigger: 'cron' } }])).rejects.toThrow(
      /schedule of analytics.update-house-lead: analytics.update-house-lead: \/trigger/,
    );
  });
});
