import type { Migration } from '../../source.ts';

/**
 * One row per run (attempt) of an analytics job: the next run's low watermark is the highest
 * high watermark of the kind's succeeded runs.
 */
export const jobRuns: Migration = {
  name: '002-analytics-04-job-runs',
  async up(knex) {
    await knex.raw(`
      CREATE TABLE al.job_runs (
        id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        kind            text NOT NULL,
        job_key         text NOT NULL,
        trigger         text NOT NULL,
        attempt         integer NOT NULL,
        max_attempts    integer NOT NULL,
        status          text NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'coalesced')),
        low_watermark   timestamptz,
        high_watermark  timestamptz,
        started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
        finished_at     timestamptz,
        duration_ms     integer,
        db_role         text NOT NULL DEFAULT current_user,
        result          jsonb,
        error_code      text,
        failure_reason  text,
        failure_stack   text,
        will_retry      boolean,
        CHECK (status = 'running' OR finished_at IS NOT NULL)
      );
      CREATE INDEX job_runs_watermark ON al.job_runs (kind, high_watermark) WHERE status = 'succeeded';
      CREATE INDEX job_runs_kind_started ON al.job_runs (kind, started_at);
      CREATE INDEX job_runs_job_key ON al.job_runs (job_key);
    `);
  },
  async down(knex) {
    await knex.raw('DROP TABLE IF EXISTS al.job_runs');
  },
};
