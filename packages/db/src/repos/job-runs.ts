import type { Knex } from 'knex';
import { deleteInBatches, writeMany } from '../knex.ts';

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
    // Built by hand: at thousands of jobs a second the query builder's cost shows.
    const now = new Date();
    const bindings: unknown[] = [];
    for (const e of events) {
      bindings.push(
        e.queue,
        e.jobId,
        e.messageId ?? null,
        e.source ?? null,
        e.state,
        e.attempts,
        e.errorCode ?? null,
        e.error ? e.error.slice(0, MAX_ERROR) : null,
        e.legacyKey ?? null,
        e.enqueuedAt ?? null,
        e.startedAt ?? null,
        e.finishedAt ?? null,
        e.durationMs ?? null,
        now,
      );
    }
    const sql =
      'INSERT INTO job_runs (queue, job_id, message_id, source, state, attempts, error_code, error, legacy_key, enqueued_at, started_at, finished_at, duration_ms, updated_at) VALUES ' +
      events.map(() => '(?,?,?,?,?,?,?,?,?,?,?,?,?,?)').join(',') +
      ' ON DUPLICATE KEY UPDATE state = VALUES(state), attempts = GREATEST(attempts, VALUES(attempts)), ' +
      'error_code = VALUES(error_code), error = VALUES(error), ' +
      'message_id = COALESCE(VALUES(message_id), message_id), source = COALESCE(VALUES(source), source), ' +
      'legacy_key = COALESCE(VALUES(legacy_key), legacy_key), enqueued_at = COALESCE(VALUES(enqueued_at), enqueued_at), ' +
      'started_at = COALESCE(VALUES(started_at), started_at), finished_at = VALUES(finished_at), ' +
      'duration_ms = VALUES(duration_ms), updated_at = VALUES(updated_at)';
    await writeMany(this.#knex, sql, bindings);
  }

  /**
   * Delete finished runs (completed or failed) last updated before `before`, in bounded batches
   * (the (state, updated_at) index serves it); active and retrying runs stay whatever their age.
   */
  prune(before: Date, batch = 5000, signal?: AbortSignal): Promise<number> {
    return deleteInBatches(() => this.#knex('job_runs').whereIn('state', ['completed', 'failed']).where('updated_at', '<', before), batch, signal);
  }

  async get(queue: string, jobId: string): Promise<Record<string, unknown> | undefined> {
    return this.#knex('job_runs').where({ queue, job_id: jobId }).first();
  }
}
