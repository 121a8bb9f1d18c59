import type { Migration } from '../../source.ts';

/**
 * Demo metrics as materialized views, each with a unique index so the jobs can
 * `REFRESH ... CONCURRENTLY` (readers keep reading the previous contents meanwhile).
 * Every view reads activity through `al.activity`, which counts each event once even while
 * duplicate rows wait for ACTIVITY_DT_DATA_TRUNCATE.
 */
export const metricsViews: Migration = {
  name: '002-analytics-02-metrics-views',
  async up(knex) {
    await knex.raw(`
      -- One row per event: of identical rows the first inserted (lowest id) stands for all.
      CREATE VIEW al.activity AS
      SELECT DISTINCT ON (a.session_id, a.occurred_at, a.event_type, a.sub_entity_id)
             a.id, a.session_id, a.sub_entity_id, a.event_type, a.occurred_at, a.time_spent_ms
        FROM al.activity_dt a
       ORDER BY a.session_id, a.occurred_at, a.event_type, a.sub_entity_id, a.id;

      -- One row per session: time spent (sum of step views), CTA clicks, completed or not, last activity.
      CREATE VIEW al.session_stats AS
      SELECT s.id AS session_id, e.org_id, s.entity_id, s.visitor_id, s.started_at,
             coalesce(a.time_spent_ms, 0)::bigint AS time_spent_ms,
             coalesce(a.cta_clicks, 0)::int AS cta_clicks,
             coalesce(a.completed, false) AS completed,
             greatest(s.started_at, a.last_event_at) AS last_active_at
        FROM al.entity_sessions s
        JOIN al.entities e ON e.id = s.entity_id
        LEFT JOIN (
              SELECT session_id,
                     sum(time_spent_ms) FILTER (WHERE event_type = 'view') AS time_spent_ms,
                     count(*) FILTER (WHERE event_type = 'cta_click') AS cta_clicks,
                     bool_or(event_type = 'complete') AS completed,
                     max(occurred_at) AS last_event_at
                FROM al.activity
               GROUP BY session_id
             ) a ON a.session_id = s.id;

      -- Per entity, all time. Entities nobody viewed yet have a row of zeros.
      CREATE MATERIALIZED VIEW al.entity_metrics AS
      SELECT e.org_id, e.id AS entity_id,
             count(ss.session_id)::int AS views,
             count(DISTINCT ss.visitor_id)::int AS unique_views,
             count(*) FILTER (WHERE ss.completed)::int AS completions,
             coalesce(sum(ss.cta_clicks), 0)::int AS cta_clicks,
             count(*) FILTER (WHERE ss.cta_clicks > 0)::int AS sessions_with_cta_click,
             coalesce(sum(ss.time_spent_ms), 0)::bigint AS time_spent_ms,
             round(count(*) FILTER (WHERE ss.completed) / nullif(count(ss.session_id), 0)::numeric, 4) AS completion_rate,
             round(count(*) FILTER (WHERE ss.cta_clicks > 0) / nullif(count(ss.session_id), 0)::numeric, 4) AS cta_click_rate,
             round(sum(ss.time_spent_ms) / nullif(count(ss.session_id), 0)::numeric) AS avg_time_spent_ms,
             min(ss.started_at) AS first_view_at,
             max(ss.last_active_at) AS last_active_at
        FROM al.entities e
        LEFT JOIN al.session_stats ss ON ss.entity_id = e.id
       GROUP BY e.org_id, e.id
        WITH DATA;
      CREATE UNIQUE INDEX entity_metrics_entity ON al.entity_metrics (entity_id);
      CREATE INDEX entity_metrics_org ON al.entity_metrics (org_id);

      -- Per entity and UTC day of the session start (a session past midnight counts on the day it began).
      CREATE MATERIALIZED VIEW al.entity_metrics_daily AS
      SELECT ss.org_id, ss.entity_id, (ss.started_at AT TIME ZONE 'UTC')::date AS day,
             count(*)::int AS views,
             count(DISTINCT ss.visitor_id)::int AS unique_views,
             count(*) FILTER (WHERE ss.completed)::int AS completions,
             sum(ss.cta_clicks)::int AS cta_clicks,
             count(*) FILTER (WHERE ss.cta_clicks > 0)::int AS sessions_with_cta_click,
             sum(ss.time_spent_ms)::bigint AS time_spent_ms
        FROM al.session_stats ss
       GROUP BY ss.org_id, ss.entity_id, (ss.started_at AT TIME ZONE 'UTC')::date
        WITH DATA;
      CREATE UNIQUE INDEX entity_metrics_daily_entity_day ON al.entity_metrics_daily (entity_id, day);
      CREATE INDEX entity_metrics_daily_org_day ON al.entity_metrics_daily (org_id, day);

      -- Per entity and sub-entity (step): how many sessions reached it, how long they stayed, where CTAs were clicked.
      CREATE MATERIALIZED VIEW al.entity_subentity_distribution AS
      WITH per_sub AS (
             SELECT s.entity_id, a.sub_entity_id,
                    count(DISTINCT a.session_id) FILTER (WHERE a.event_type = 'view') AS sessions,
                    count(DISTINCT s.visitor_id) FILTER (WHERE a.event_type = 'view') AS unique_visitors,
                    count(*) FILTER (WHERE a.event_type = 'view') AS views,
                    coalesce(sum(a.time_spent_ms) FILTER (WHERE a.event_type = 'view'), 0) AS time_spent_ms,
                    count(*) FILTER (WHERE a.event_type = 'cta_click') AS cta_clicks
               FROM al.activity a
               JOIN al.entity_sessions s ON s.id = a.session_id
              GROUP BY s.entity_id, a.sub_entity_id
           ),
           per_entity AS (
             SELECT entity_id, count(*) AS sessions, sum(time_spent_ms) AS time_spent_ms
               FROM al.session_stats
              GROUP BY entity_id
           )
      SELECT e.org_id, p.entity_id, p.sub_entity_id,
             p.sessions::int, p.unique_visitors::int, p.views::int, p.time_spent_ms::bigint, p.cta_clicks::int,
             round(p.sessions / nullif(pe.sessions, 0)::numeric, 4) AS reach_rate,
             round(p.time_spent_ms / nullif(pe.time_spent_ms, 0)::numeric, 4) AS time_share
        FROM per_sub p
        JOIN al.entities e ON e.id = p.entity_id
        LEFT JOIN per_entity pe ON pe.entity_id = p.entity_id
        WITH DATA;
      CREATE UNIQUE INDEX entity_subentity_distribution_entity_sub ON al.entity_subentity_distribution (entity_id, sub_entity_id);
      CREATE INDEX entity_subentity_distribution_org ON al.entity_subentity_distribution (org_id);
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP MATERIALIZED VIEW IF EXISTS al.entity_subentity_distribution, al.entity_metrics_daily, al.entity_metrics;
      DROP VIEW IF EXISTS al.session_stats, al.activity;
    `);
  },
};
