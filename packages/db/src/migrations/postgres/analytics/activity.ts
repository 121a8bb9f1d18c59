import type { Migration } from '../../source.ts';

/**
 * The raw data the analytics jobs read, as the demo player and the main API write it: orgs,
 * entities (demos), player sessions, their events (`activity_dt`, append-only, so a retried
 * beacon leaves duplicate rows) and lead captures. `created_at` is the ingestion time the
 * watermarked jobs window on.
 */
export const activityTables: Migration = {
  name: '002-analytics-01-activity',
  async up(knex) {
    await knex.raw(`
      CREATE SCHEMA IF NOT EXISTS al;

      CREATE TABLE al.orgs (
        id          bigint PRIMARY KEY,
        name        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE al.entities (
        id           bigint PRIMARY KEY,
        org_id       bigint NOT NULL REFERENCES al.orgs (id),
        rid          text NOT NULL UNIQUE,
        name         text NOT NULL,
        entity_type  text NOT NULL DEFAULT 'demo' CHECK (entity_type IN ('demo', 'demo_hub')),
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX entities_org ON al.entities (org_id);

      -- One visit of a demo by a visitor (an anonymous browser id until a lead form names it).
      CREATE TABLE al.entity_sessions (
        id          uuid PRIMARY KEY,
        org_id      bigint NOT NULL,
        entity_id   bigint NOT NULL REFERENCES al.entities (id),
        visitor_id  text NOT NULL,
        started_at  timestamptz NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX entity_sessions_entity ON al.entity_sessions (entity_id, started_at);
      CREATE INDEX entity_sessions_visitor ON al.entity_sessions (org_id, visitor_id);
      CREATE INDEX entity_sessions_created ON al.entity_sessions (created_at);

      -- Player events: a step (sub-entity) viewed for time_spent_ms, a CTA clicked, the demo completed.
      CREATE TABLE al.activity_dt (
        id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id     uuid NOT NULL,
        sub_entity_id  text NOT NULL,
        event_type     text NOT NULL CHECK (event_type IN ('view', 'cta_click', 'complete')),
        occurred_at    timestamptz NOT NULL,
        time_spent_ms  integer NOT NULL DEFAULT 0 CHECK (time_spent_ms >= 0),
        created_at     timestamptz NOT NULL DEFAULT now()
      );
      -- The identity of an event (copies differ only in id and created_at), in the order duplicates are resolved.
      CREATE INDEX activity_dt_identity ON al.activity_dt (session_id, occurred_at, event_type, sub_entity_id, id);
      CREATE INDEX activity_dt_created ON al.activity_dt (created_at);

      CREATE TABLE al.leads (
        id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        org_id       bigint NOT NULL,
        entity_id    bigint NOT NULL,
        session_id   uuid NOT NULL,
        visitor_id   text NOT NULL,
        email        text NOT NULL CHECK (email <> ''),
        first_name   text,
        last_name    text,
        captured_at  timestamptz NOT NULL,
        created_at   timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX leads_created ON al.leads (created_at);
      CREATE INDEX leads_org_email ON al.leads (org_id, lower(email));
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS al.leads, al.activity_dt, al.entity_sessions, al.entities, al.orgs');
  },
};
