import type { Knex } from 'knex';

export type RunState = 'active' | 'completed' | 'failed' | 'retrying';

export interface JobRunEvent {
  queue: string;
  jobId: string;
  state: RunState;
  attempts: number;
  messageId?: string | undefined;
  source?: string | undefined;
  legacyKey?: string | undefined;
  errorCode?: string | undefined;
  error?: string | undefined;
  enqueuedAt?: Date | undefined;
  startedAt?: Date | undefined;
  finishedAt?: Date | undefined;
  durationMs?: number | undefined;
}

const MAX_ERROR = 4000;

/** One row per job (queue, job id), updated on every attempt. */
export class JobRunsRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  /** Upsert many events in one statement (the caller coalesces to the latest event per job). */
  async upsertMany(events: readonly JobRunEvent[]): Promise<void> {
    if (events.length === 0) return;
    const rows = events.map((e) => ({
      queue: e.queue,
      job_id: e.jobId,
      message_id: e.messageId ?? null,
      source: e.source ?? null,
      state: e.state,
      attempts: e.attempts,
      error_code: e.errorCode ?? null,
      error: e.error ? e.error.slice(0, MAX_ERROR) : null,
      legacy_key: e.legacyKey ?? null,
      enqueued_at: e.enqueuedAt ?? null,
      started_at: e.startedAt ?? null,
      finished_at: e.finishedAt ?? null,
      duration_ms: e.durationMs ?? null,
      updated_at: new Date(),
    }));
    const insert = this.#knex('job_runs').insert(rows).toSQL().toNative();
    const sql =
      `${insert.sql} ON DUPLICATE KEY UPDATE state = VALUES(state), attempts = GREATEST(attempts, VALUES(attempts)), ` +
      'error_code = VALUES(error_code), error = VALUES(error), ' +
      'message_id = COALESCE(VALUES(message_id), message_id), source = COALESCE(VALUES(source), source), ' +
      'legacy_key = COALESCE(VALUES(legacy_key), legacy_key), enqueued_at = COALESCE(VALUES(enqueued_at), enqueued_at), ' +
      'started_at = COALESCE(VALUES(started_at), started_at), finished_at = VALUES(finished_at), ' +
      'duration_ms = VALUES(duration_ms), updated_at = VALUES(updated_at)';
    await this.#knex.raw(sql, insert.bindings as Knex.RawBinding[]);
  }

  async get(queue: string, jobId: string): Promise<Record<string, unknown> | undefined> {
    return this.#knex('job_runs').where({ queue, job_id: jobId }).first();
  }
}
