import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoAnalyticsSeed, seedAnalytics, sessionUuid } from '@fable-jobs/testing';
import { rows, runsOf, startFleet, WATERMARK_START, type Fleet } from './fleet.ts';

let f: Fleet;
beforeAll(async () => {
  f = await startFleet();
  await seedAnalytics(f.h.postgres, demoAnalyticsSeed());
});
afterAll(async () => {
  await f?.close();
});

const houseLeads = () =>
  rows(f.h, 'SELECT org_id::int, email, first_name, last_name, captures, first_captured_at, last_captured_at FROM al.house_lead ORDER BY org_id, email');
const houseLeadVisitors = () =>
  rows(f.h, "SELECT h.org_id::int || '/' || h.email || '/' || v.visitor_id AS v FROM al.house_lead_visitor v JOIN al.house_lead h ON h.id = v.house_lead_id ORDER BY 1").then((r) => r.map((x) => x['v']));
const leadMetrics = () =>
  rows(
    f.h,
    `SELECT h.org_id::int, h.email, m.entity_id::int, m.sessions, m.completed_sessions, m.cta_clicks, m.time_spent_ms::int, m.last_active_at, m.updated_at
       FROM al.house_lead_metrics m JOIN al.house_lead h ON h.id = m.house_lead_id ORDER BY h.org_id, h.email, m.entity_id`,
  );
const activityRows = async () => Number((await rows<{ n: number }>(f.h, 'SELECT count(*)::int AS n FROM al.activity_dt'))[0]?.n);
const distinctEvents = async () =>
  Number((await rows<{ n: number }>(f.h, 'SELECT count(*)::int AS n FROM (SELECT DISTINCT session_id, occurred_at, event_type, sub_entity_id FROM al.activity_dt) d'))[0]?.n);

describe('UPDATE_HOUSE_LEAD and its watermarks', () => {
  it('first run: window from the configured start to now; merges captures per org and e-mail and computes per-demo metrics', async () => {
    const job = await f.run('UPDATE_HOUSE_LEAD');
    // (101, ada) from two captures (A1, B1), (101, bob), (102, ada): 3 house leads; metrics rows: ada@101 × {1001, 1002}, bob × 1001, ada@102 × 2001.
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', lowWatermark: WATERMARK_START, summary: { houseLeads: 3, metricRows: 4 } });
    expect(await houseLeads()).toEqual([
      // The latest non-empty names win; the e-mail is lower-cased.
      { org_id: 101, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace', captures: 2, first_captured_at: new Date('2025-03-01T10:01:00Z'), last_captured_at: new Date('2025-03-01T11:01:00Z') },
      { org_id: 101, email: 'bob@example.com', first_name: 'Bob', last_name: null, captures: 1, first_captured_at: new Date('2025-03-02T23:31:00Z'), last_captured_at: new Date('2025-03-02T23:31:00Z') },
      { org_id: 102, email: 'ada@example.com', first_name: 'Ada', last_name: 'King', captures: 1, first_captured_at: new Date('2025-03-01T12:01:00Z'), last_captured_at: new Date('2025-03-01T12:01:00Z') },
    ]);
    expect(await houseLeadVisitors()).toEqual(['101/ada@example.com/v1', '101/bob@example.com/v2', '102/ada@example.com/v5']);
    const metrics = (await leadMetrics()).map(({ updated_at: _, ...m }) => m);
    expect(metrics).toEqual([
      // v1 in org 101: A1 (95 s, CTA, completed) + A2 (15 s) on 1001; B1 on 1002. G2 is v1 too, but in org 102.
      { org_id: 101, email: 'ada@example.com', entity_id: 1001, sessions: 2, completed_sessions: 1, cta_clicks: 1, time_spent_ms: 110_000, last_active_at: new Date('2025-03-02T09:00:15Z') },
      { org_id: 101, email: 'ada@example.com', entity_id: 1002, sessions: 1, completed_sessions: 1, cta_clicks: 0, time_spent_ms: 90_000, last_active_at: new Date('2025-03-01T11:01:35Z') },
      { org_id: 101, email: 'bob@example.com', entity_id: 1001, sessions: 1, completed_sessions: 1, cta_clicks: 1, time_spent_ms: 75_000, last_active_at: new Date('2025-03-03T00:00:45Z') },
      { org_id: 102, email: 'ada@example.com', entity_id: 2001, sessions: 1, completed_sessions: 1, cta_clicks: 1, time_spent_ms: 40_000, last_active_at: new Date('2025-03-01T12:00:45Z') },
    ]);
    const [run] = await runsOf(f.h, 'UPDATE_HOUSE_LEAD');
    expect(run).toMatchObject({ status: 'succeeded', attempt: 1, result: { houseLeads: 3, metricRows: 4 } });
    expect(run?.low_watermark).toEqual(new Date(WATERMARK_START));
    expect(run?.high_watermark?.toISOString()).toBe((job.returnvalue as { highWatermark: string }).highWatermark);
  });

  it('next run: lo = the previous run\'s hi; only what was ingested since is recomputed', async () => {
    const before = await leadMetrics();
    // Bob comes back on the onboarding demo and fills the form again, with his full name.
    await f.h.postgres('al.entity_sessions').insert({ id: sessionUuid('B3'), org_id: 101, entity_id: 1002, visitor_id: 'v2', started_at: '2025-03-04T09:00:00Z' });
    await f.h.postgres('al.activity_dt').insert([
      { session_id: sessionUuid('B3'), sub_entity_id: 's1', event_type: 'view', occurred_at: '2025-03-04T09:00:05Z', time_spent_ms: 20_000 },
      { session_id: sessionUuid('B3'), sub_entity_id: 's2', event_type: 'view', occurred_at: '2025-03-04T09:00:25Z', time_spent_ms: 10_000 },
      { session_id: sessionUuid('B3'), sub_entity_id: 's2', event_type: 'cta_click', occurred_at: '2025-03-04T09:00:35Z' },
    ]);
    await f.h.postgres('al.leads').insert({ org_id: 101, entity_id: 1002, session_id: sessionUuid('B3'), visitor_id: 'v2', email: 'BOB@example.com', first_name: 'Robert', last_name: 'Builder', captured_at: '2025-03-04T09:00:40Z' });

    const job = await f.run('UPDATE_HOUSE_LEAD', 'legacy');
    const [first, second] = await runsOf(f.h, 'UPDATE_HOUSE_LEAD');
    expect(second?.low_watermark).toEqual(first?.high_watermark);
    expect(second!.high_watermark!.getTime()).toBeGreaterThan(second!.low_watermark!.getTime());
    // Only bob was touched: 1 house lead, his 2 metric rows (1001 from A3, 1002 from B3).
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', lowWatermark: first?.high_watermark?.toISOString(), summary: { houseLeads: 1, metricRows: 2 } });
    expect((await houseLeads())[1]).toEqual({
      org_id: 101, email: 'bob@example.com', first_name: 'Robert', last_name: 'Builder', captures: 2, first_captured_at: new Date('2025-03-02T23:31:00Z'), last_captured_at: new Date('2025-03-04T09:00:40Z'),
    });
    const after = await leadMetrics();
    expect(after.filter((m) => m['email'] === 'bob@example.com').map(({ updated_at: _, ...m }) => m)).toEqual([
      { org_id: 101, email: 'bob@example.com', entity_id: 1001, sessions: 1, completed_sessions: 1, cta_clicks: 1, time_spent_ms: 75_000, last_active_at: new Date('2025-03-03T00:00:45Z') },
      { org_id: 101, email: 'bob@example.com', entity_id: 1002, sessions: 1, completed_sessions: 0, cta_clicks: 1, time_spent_ms: 30_000, last_active_at: new Date('2025-03-04T09:00:35Z') },
    ]);
    // The others were outside the window: their rows were not rewritten.
    const untouched = (list: typeof after) => list.filter((m) => m['email'] !== 'bob@example.com');
    expect(untouched(after)).toEqual(untouched(before));
  });

  it('CALCULATE_HOUSE_LEAD_METRICS keeps its own watermark and recomputes only metrics', async () => {
    // Its first run covers everything since the start: all 5 metric rows, and no house lead changes.
    const job = await f.run('CALCULATE_HOUSE_LEAD_METRICS');
    expect(job.returnvalue).toMatchObject({ status: 'succeeded', lowWatermark: WATERMARK_START, summary: { metricRows: 5 } });
    const again = await f.run('CALCULATE_HOUSE_LEAD_METRICS');
    const [first] = await runsOf(f.h, 'CALCULATE_HOUSE_LEAD_METRICS');
    // Nothing ingested in between: nothing to recompute.
    expect(again.returnvalue).toMatchObject({ status: 'succeeded', lowWatermark: first?.high_watermark?.toISOString(), summary: { metricRows: 0 } });
    expect(await rows(f.h, 'SELECT count(*)::int AS n FROM al.house_lead_metrics')).toEqual([{ n: 5 }]);
  });
});

describe('ACTIVITY_DT_DATA_TRUNCATE', () => {
  it('removes each duplicate exactly once, keeping the first copy, also when a late copy arrives in a later window', async () => {
    const total = await activityRows();
    const distinct = await distinctEvents();
    // The seed's 7 extra rows (the 3 events B3 added are unique).
    expect(total - distinct).toBe(7);

    const first = await f.run('ACTIVITY_DT_DATA_TRUNCATE');
    expect(first.returnvalue).toMatchObject({ status: 'succeeded', lowWatermark: WATERMARK_START, summary: { duplicatesRemoved: 7 } });
    expect(await activityRows()).toBe(distinct);
    const a1s2 = () => rows<{ id: number }>(f.h, "SELECT id::int FROM al.activity_dt WHERE session_id = ? AND sub_entity_id = 's2' AND event_type = 'view'", [sessionUuid('A1')]);
    const kept = await a1s2();
    expect(kept).toHaveLength(1);

    // Nothing new: the next window removes nothing.
    const second = await f.run('ACTIVITY_DT_DATA_TRUNCATE');
    expect(second.returnvalue).toMatchObject({ status: 'succeeded', summary: { duplicatesRemoved: 0 } });

    // A retried beacon delivers A1's s2 view once more, days later: the new copy goes, the original stays.
    await f.h.postgres('al.activity_dt').insert({ session_id: sessionUuid('A1'), sub_entity_id: 's2', event_type: 'view', occurred_at: '2025-03-01T10:00:35Z', time_spent_ms: 45_000 });
    const third = await f.run('ACTIVITY_DT_DATA_TRUNCATE');
    expect(third.returnvalue).toMatchObject({ status: 'succeeded', summary: { duplicatesRemoved: 1 } });
    expect(await a1s2()).toEqual(kept);
    expect(await activityRows()).toBe(distinct);

    const runs = await runsOf(f.h, 'ACTIVITY_DT_DATA_TRUNCATE');
    expect(runs.map((r) => r.result)).toEqual([{ duplicatesRemoved: 7 }, { duplicatesRemoved: 0 }, { duplicatesRemoved: 1 }]);
    expect(runs[1]?.low_watermark).toEqual(runs[0]?.high_watermark);
    expect(runs[2]?.low_watermark).toEqual(runs[1]?.high_watermark);
  });
});
