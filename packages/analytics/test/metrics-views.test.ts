import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAnalyticsSeed, seedAnalytics, sessionUuid, until } from '@fable-jobs/testing';
import { rows, runsOf, startFleet, type Fleet } from './fleet.ts';

let f: Fleet;
beforeAll(async () => {
  f = await startFleet();
  const seeded = await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
  expect(seeded).toEqual({ activityRows: 36, duplicateRows: 7 });
});
afterAll(async () => {
  await f?.close();
});

// Per session, from demoAnalyticsSeed (each event counted once, however many rows it has):
//   A1 1001 v1 03-01: views 30+45+20 = 95 s, CTA s3, completed     A2 1001 v1 03-02: 10+5 = 15 s
//   A3 1001 v2 03-02 23:30: 20+40+15 = 75 s, CTA s1, completed     A4 1001 v3 03-03: 12 s
//   B1 1002 v1 03-01: 60+30 = 90 s, completed                      B2 1002 v4 03-03: 25 s, CTA s1
//   G1 2001 v5 03-01: 4 × 10 = 40 s, CTA s4, completed             G2 2001 v1 03-01: 5 s, CTA s1
//   G3 2001 v6 03-02: 8+12+4 = 24 s (s1 viewed twice)
describe('metrics materialized views, triggered through SQS', () => {
  it('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW (JSON form): views, unique views, completion, CTA clicks and time per entity', async () => {
    const job = await f.run('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW', 'json');
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', kind: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW', summary: { rows: 4 } });
    const metrics = await rows(
      f.h,
      `SELECT entity_id::int, org_id::int, views, unique_views, completions, cta_clicks, sessions_with_cta_click, time_spent_ms::int,
              completion_rate::float8, cta_click_rate::float8, avg_time_spent_ms::float8, first_view_at, last_active_at
         FROM al.entity_metrics ORDER BY entity_id`,
    );
    expect(metrics).toEqual([
      // A1..A4: 4 sessions by v1, v1, v2, v3; A1 and A3 completed and clicked; 95+15+75+12 = 197 s.
      { entity_id: 1001, org_id: 101, views: 4, unique_views: 3, completions: 2, cta_clicks: 2, sessions_with_cta_click: 2, time_spent_ms: 197_000, completion_rate: 0.5, cta_click_rate: 0.5, avg_time_spent_ms: 49_250, first_view_at: new Date('2025-03-01T10:00:00Z'), last_active_at: new Date('2025-03-03T08:00:05Z') },
      // B1, B2: 90+25 = 115 s.
      { entity_id: 1002, org_id: 101, views: 2, unique_views: 2, completions: 1, cta_clicks: 1, sessions_with_cta_click: 1, time_spent_ms: 115_000, completion_rate: 0.5, cta_click_rate: 0.5, avg_time_spent_ms: 57_500, first_view_at: new Date('2025-03-01T11:00:00Z'), last_active_at: new Date('2025-03-03T14:00:20Z') },
      // G1, G2, G3 by v5, v1, v6: 40+5+24 = 69 s; 2 of 3 sessions clicked.
      { entity_id: 2001, org_id: 102, views: 3, unique_views: 3, completions: 1, cta_clicks: 2, sessions_with_cta_click: 2, time_spent_ms: 69_000, completion_rate: 0.3333, cta_click_rate: 0.6667, avg_time_spent_ms: 23_000, first_view_at: new Date('2025-03-01T12:00:00Z'), last_active_at: new Date('2025-03-02T07:00:25Z') },
      { entity_id: 3001, org_id: 103, views: 0, unique_views: 0, completions: 0, cta_clicks: 0, sessions_with_cta_click: 0, time_spent_ms: 0, completion_rate: null, cta_click_rate: null, avg_time_spent_ms: null, first_view_at: null, last_active_at: null },
    ]);
    const [run] = await runsOf(f.h, 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW');
    expect(run).toMatchObject({ status: 'succeeded', trigger: 'sqs', job_key: job.id, attempt: 1, result: { rows: 4 } });
  });

  it('REFRESH_DAILY_ENTITY_METRICS (legacy form): the same per UTC day of the session start', async () => {
    const job = await f.run('REFRESH_DAILY_ENTITY_METRICS', 'legacy');
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', summary: { rows: 7 } });
    const daily = await rows(
      f.h,
      `SELECT entity_id::int, to_char(day, 'YYYY-MM-DD') AS day, views, unique_views, completions, cta_clicks, sessions_with_cta_click, time_spent_ms::int
         FROM al.entity_metrics_daily ORDER BY entity_id, day`,
    );
    expect(daily).toEqual([
      { entity_id: 1001, day: '2025-03-01', views: 1, unique_views: 1, completions: 1, cta_clicks: 1, sessions_with_cta_click: 1, time_spent_ms: 95_000 },
      // A2 and A3; A3 ran past midnight and counts on the day it started.
      { entity_id: 1001, day: '2025-03-02', views: 2, unique_views: 2, completions: 1, cta_clicks: 1, sessions_with_cta_click: 1, time_spent_ms: 90_000 },
      { entity_id: 1001, day: '2025-03-03', views: 1, unique_views: 1, completions: 0, cta_clicks: 0, sessions_with_cta_click: 0, time_spent_ms: 12_000 },
      { entity_id: 1002, day: '2025-03-01', views: 1, unique_views: 1, completions: 1, cta_clicks: 0, sessions_with_cta_click: 0, time_spent_ms: 90_000 },
      { entity_id: 1002, day: '2025-03-03', views: 1, unique_views: 1, completions: 0, cta_clicks: 1, sessions_with_cta_click: 1, time_spent_ms: 25_000 },
      { entity_id: 2001, day: '2025-03-01', views: 2, unique_views: 2, completions: 1, cta_clicks: 2, sessions_with_cta_click: 2, time_spent_ms: 45_000 },
      { entity_id: 2001, day: '2025-03-02', views: 1, unique_views: 1, completions: 0, cta_clicks: 0, sessions_with_cta_click: 0, time_spent_ms: 24_000 },
    ]);
  });

  it('CALCULATE_ENTITY_SUB_ENTITY_METRICS: reach, views, time and its share, CTA clicks per step', async () => {
    const job = await f.run('CALCULATE_ENTITY_SUB_ENTITY_METRICS', 'json');
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', summary: { rows: 9 } });
    const dist = await rows(
      f.h,
      `SELECT entity_id::int, sub_entity_id AS sub, sessions, unique_visitors, views, time_spent_ms::int, cta_clicks, reach_rate::float8, time_share::float8
         FROM al.entity_subentity_distribution ORDER BY entity_id, sub_entity_id`,
    );
    expect(dist).toEqual([
      // 1001 (4 sessions, 197 s): s1 by A1 30, A2 10, A3 20, A4 12 = 72 s → 72/197.
      { entity_id: 1001, sub: 's1', sessions: 4, unique_visitors: 3, views: 4, time_spent_ms: 72_000, cta_clicks: 1, reach_rate: 1, time_share: 0.3655 },
      { entity_id: 1001, sub: 's2', sessions: 3, unique_visitors: 2, views: 3, time_spent_ms: 90_000, cta_clicks: 0, reach_rate: 0.75, time_share: 0.4569 },
      { entity_id: 1001, sub: 's3', sessions: 2, unique_visitors: 2, views: 2, time_spent_ms: 35_000, cta_clicks: 1, reach_rate: 0.5, time_share: 0.1777 },
      // 1002 (2 sessions, 115 s).
      { entity_id: 1002, sub: 's1', sessions: 2, unique_visitors: 2, views: 2, time_spent_ms: 85_000, cta_clicks: 1, reach_rate: 1, time_share: 0.7391 },
      { entity_id: 1002, sub: 's2', sessions: 1, unique_visitors: 1, views: 1, time_spent_ms: 30_000, cta_clicks: 0, reach_rate: 0.5, time_share: 0.2609 },
      // 2001 (3 sessions, 69 s): G3 viewed s1 twice (4 views in 3 sessions, 10+5+8+4 = 27 s).
      { entity_id: 2001, sub: 's1', sessions: 3, unique_visitors: 3, views: 4, time_spent_ms: 27_000, cta_clicks: 1, reach_rate: 1, time_share: 0.3913 },
      { entity_id: 2001, sub: 's2', sessions: 2, unique_visitors: 2, views: 2, time_spent_ms: 22_000, cta_clicks: 0, reach_rate: 0.6667, time_share: 0.3188 },
      { entity_id: 2001, sub: 's3', sessions: 1, unique_visitors: 1, views: 1, time_spent_ms: 10_000, cta_clicks: 0, reach_rate: 0.3333, time_share: 0.1449 },
      { entity_id: 2001, sub: 's4', sessions: 1, unique_visitors: 1, views: 1, time_spent_ms: 10_000, cta_clicks: 1, reach_rate: 0.3333, time_share: 0.1449 },
    ]);
  });

  it('refreshes CONCURRENTLY: a reader is not blocked while a refresh runs, and sees the previous contents until it commits', async () => {
    const { h } = f;
    // New data: Initech's demo gets its first session.
    await h.postgres('al.entity_sessions').insert({ id: sessionUuid('I1'), org_id: 103, entity_id: 3001, visitor_id: 'v9', started_at: '2025-03-04T10:00:00Z' });
    // Hold the refresh inside its query: it takes its lock on the view, then waits for activity_dt.
    const blocker = await h.postgres.transaction();
    try {
      await blocker.raw('LOCK TABLE al.activity_dt IN ACCESS EXCLUSIVE MODE');
      const jobId = await f.trigger('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW');
      let pid = 0;
      await until(
        async () => {
          const [r] = await rows<{ pid: number }>(
            h,
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'fable-jobs:analytics' AND query LIKE 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics%' AND wait_event_type = 'Lock'",
          );
          pid = r?.pid ?? 0;
          return pid !== 0;
        },
        { what: 'the refresh waiting inside its query', timeoutMs: 20_000 },
      );
      // The refresh holds ExclusiveLock on the view (a plain REFRESH would hold AccessExclusiveLock).
      const held = await rows<{ mode: string }>(h, "SELECT mode FROM pg_locks WHERE pid = ? AND relation = 'al.entity_metrics'::regclass AND granted", [pid]);
      expect(held.map((l) => l.mode)).toContain('ExclusiveLock');
      expect(held.map((l) => l.mode)).not.toContain('AccessExclusiveLock');

      // A reader that would give up after 1 s of waiting for a lock reads at once, the old contents.
      const reader = await h.postgres.transaction();
      try {
        await reader.raw("SET LOCAL lock_timeout = '1s'");
        const before = (await reader.raw('SELECT views FROM al.entity_metrics WHERE entity_id = 3001')) as { rows: Array<{ views: number }> };
        expect(before.rows).toEqual([{ views: 0 }]);
      } finally {
        await reader.rollback();
      }

      await blocker.rollback();
      const job = await f.settled(f.queues.get('analytics.refresh-entity-metrics'), jobId, 'completed');
      expect(job.returnvalue).toMatchObject({ status: 'succeeded' });
      expect(await rows(h, 'SELECT views, unique_views FROM al.entity_metrics WHERE entity_id = 3001')).toEqual([{ views: 1, unique_views: 1 }]);
    } finally {
      if (!blocker.isCompleted()) await blocker.rollback();
    }
  });
});
