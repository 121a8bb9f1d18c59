import type { Migration } from '../../source.ts';

/**
 * House leads: one per org and e-mail, merging every lead capture of that person across the
 * org's demos, with the visitor ids they used; their metrics per demo cover every session of
 * those visitors in the org (also the visits before the form was filled). The functions take a
 * window [lo, hi) of ingestion time and recompute what it touched from the full history, so a
 * rerun of the same window changes nothing.
 */
export const houseLeads: Migration = {
  name: '002-analytics-03-house-leads',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE al.house_lead (
        id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id             bigint NOT NULL,
        email              text NOT NULL,
        first_name         text,
        last_name          text,
        captures           integer NOT NULL,
        first_captured_at  timestamptz NOT NULL,
        last_captured_at   timestamptz NOT NULL,
        updated_at         timestamptz NOT NULL,
        UNIQUE (org_id, email)
      );

      CREATE TABLE al.house_lead_visitor (
        house_lead_id  bigint NOT NULL REFERENCES al.house_lead (id) ON DELETE CASCADE,
        visitor_id     text NOT NULL,
        PRIMARY KEY (house_lead_id, visitor_id)
      );
      CREATE INDEX house_lead_visitor_visitor ON al.house_lead_visitor (visitor_id);

      CREATE TABLE al.house_lead_metrics (
        house_lead_id       bigint NOT NULL REFERENCES al.house_lead (id) ON DELETE CASCADE,
        entity_id           bigint NOT NULL,
        sessions            integer NOT NULL,
        completed_sessions  integer NOT NULL,
        cta_clicks          integer NOT NULL,
        time_spent_ms       bigint NOT NULL,
        last_active_at      timestamptz NOT NULL,
        updated_at          timestamptz NOT NULL,
        PRIMARY KEY (house_lead_id, entity_id)
      );

      -- Upsert the house leads of every (org, e-mail) captured in [lo, hi); returns how many.
      CREATE FUNCTION al.update_house_lead(lo timestamptz, hi timestamptz) RETURNS integer
      LANGUAGE plpgsql AS $fn$
      DECLARE
        n integer;
      BEGIN
        WITH touched AS (
               SELECT DISTINCT l.org_id, lower(l.email) AS email
                 FROM al.leads l
                WHERE l.created_at >= lo AND l.created_at < hi
             ),
             merged AS (
               SELECT l.org_id, lower(l.email) AS email,
                      (array_agg(l.first_name ORDER BY l.captured_at DESC, l.id DESC) FILTER (WHERE l.first_name IS NOT NULL))[1] AS first_name,
                      (array_agg(l.last_name ORDER BY l.captured_at DESC, l.id DESC) FILTER (WHERE l.last_name IS NOT NULL))[1] AS last_name,
                      count(*)::int AS captures,
                      min(l.captured_at) AS first_captured_at,
                      max(l.captured_at) AS last_captured_at
                 FROM al.leads l
                 JOIN touched t ON t.org_id = l.org_id AND t.email = lower(l.email)
                GROUP BY l.org_id, lower(l.email)
             )
        INSERT INTO al.house_lead AS h (org_id, email, first_name, last_name, captures, first_captured_at, last_captured_at, updated_at)
        SELECT org_id, email, first_name, last_name, captures, first_captured_at, last_captured_at, now()
          FROM merged
        ON CONFLICT (org_id, email) DO UPDATE
           SET first_name = excluded.first_name, last_name = excluded.last_name, captures = excluded.captures,
               first_captured_at = excluded.first_captured_at, last_captured_at = excluded.last_captured_at,
               updated_at = excluded.updated_at;
        GET DIAGNOSTICS n = ROW_COUNT;

        INSERT INTO al.house_lead_visitor (house_lead_id, visitor_id)
        SELECT DISTINCT h.id, l.visitor_id
          FROM al.leads l
          JOIN al.house_lead h ON h.org_id = l.org_id AND h.email = lower(l.email)
         WHERE l.created_at >= lo AND l.created_at < hi
        ON CONFLICT DO NOTHING;
        RETURN n;
      END
      $fn$;

      -- Recompute the per-demo metrics of every house lead whose visitors had sessions, events
      -- or lead captures ingested in [lo, hi); returns the metric rows written.
      CREATE FUNCTION al.update_house_lead_metrics(lo timestamptz, hi timestamptz) RETURNS integer
      LANGUAGE plpgsql AS $fn$
      DECLARE
        touched bigint[];
        n integer;
      BEGIN
        WITH visitors AS (
               SELECT s.org_id, s.visitor_id FROM al.entity_sessions s
                WHERE s.created_at >= lo AND s.created_at < hi
               UNION
               SELECT s.org_id, s.visitor_id FROM al.activity_dt a JOIN al.entity_sessions s ON s.id = a.session_id
                WHERE a.created_at >= lo AND a.created_at < hi
               UNION
               SELECT l.org_id, l.visitor_id FROM al.leads l
                WHERE l.created_at >= lo AND l.created_at < hi
             )
        SELECT coalesce(array_agg(DISTINCT hv.house_lead_id), '{}')
          INTO touched
          FROM visitors v
          JOIN al.house_lead_visitor hv ON hv.visitor_id = v.visitor_id
          JOIN al.house_lead h ON h.id = hv.house_lead_id AND h.org_id = v.org_id;

        DELETE FROM al.house_lead_metrics WHERE house_lead_id = ANY (touched);

        WITH sessions AS (
               SELECT DISTINCT h.id AS house_lead_id, s.id AS session_id, s.entity_id, s.started_at
                 FROM unnest(touched) AS t (house_lead_id)
                 JOIN al.house_lead h ON h.id = t.house_lead_id
                 JOIN al.house_lead_visitor hv ON hv.house_lead_id = h.id
                 JOIN al.entity_sessions s ON s.org_id = h.org_id AND s.visitor_id = hv.visitor_id
             ),
             events AS (
               SELECT DISTINCT ON (a.session_id, a.occurred_at, a.event_type, a.sub_entity_id)
                      a.session_id, a.event_type, a.occurred_at, a.time_spent_ms
                 FROM al.activity_dt a
                WHERE a.session_id IN (SELECT session_id FROM sessions)
                ORDER BY a.session_id, a.occurred_at, a.event_type, a.sub_entity_id, a.id
             ),
             per_session AS (
               SELECT s.house_lead_id, s.entity_id, s.session_id,
                      coalesce(sum(e.time_spent_ms) FILTER (WHERE e.event_type = 'view'), 0) AS time_spent_ms,
                      count(e.session_id) FILTER (WHERE e.event_type = 'cta_click') AS cta_clicks,
                      coalesce(bool_or(e.event_type = 'complete'), false) AS completed,
                      greatest(s.started_at, max(e.occurred_at)) AS last_active_at
                 FROM sessions s
                 LEFT JOIN events e ON e.session_id = s.session_id
                GROUP BY s.house_lead_id, s.entity_id, s.session_id, s.started_at
             )
        INSERT INTO al.house_lead_metrics (house_lead_id, entity_id, sessions, completed_sessions, cta_clicks, time_spent_ms, last_active_at, updated_at)
        SELECT house_lead_id, entity_id, count(*), count(*) FILTER (WHERE completed), sum(cta_clicks), sum(time_spent_ms), max(last_active_at), now()
          FROM per_session
         GROUP BY house_lead_id, entity_id;
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
      END
      $fn$;

      -- Delete the later copies of events whose copy was ingested in [lo, hi), keeping the first
      -- row inserted (which may be older than lo); returns how many rows went.
      CREATE FUNCTION al.remove_duplicates_activity_dt(lo timestamptz, hi timestamptz) RETURNS integer
      LANGUAGE plpgsql AS $fn$
      DECLARE
        n integer;
      BEGIN
        DELETE FROM al.activity_dt d
         WHERE d.created_at >= lo AND d.created_at < hi
           AND EXISTS (
                 SELECT 1 FROM al.activity_dt o
                  WHERE o.session_id = d.session_id AND o.occurred_at = d.occurred_at
                    AND o.event_type = d.event_type AND o.sub_entity_id = d.sub_entity_id
                    AND o.id < d.id
               );
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN n;
      END
      $fn$;
    `);
  },
  async down(knex) {
    await knex.raw(`
      DROP FUNCTION IF EXISTS al.remove_duplicates_activity_dt(timestamptz, timestamptz);
      DROP FUNCTION IF EXISTS al.update_house_lead_metrics(timestamptz, timestamptz);
      DROP FUNCTION IF EXISTS al.update_house_lead(timestamptz, timestamptz);
      DROP TABLE IF EXISTS al.house_lead_metrics, al.house_lead_visitor, al.house_lead;
    `);
  },
};
