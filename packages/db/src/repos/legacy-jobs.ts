import type { Knex } from 'knex';

/** `jobs.processing_status` as the main API server reads it. */
export const ProcessingStatus = { Failed: 0, Touched: 1, InProcess: 2, Processed: 3 } as const;
export type ProcessingStatus = (typeof ProcessingStatus)[keyof typeof ProcessingStatus];

const MAX_REASON = 4000;

/**
 * The legacy `jobs` table: rows are created by the main API server (status Touched) before it
 * sends the message; the fleet only updates them by `job_key`.
 */
export class LegacyJobsRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  /** Returns false when no row has that key (logged by the caller; the job still runs). */
  async markInProcess(key: string): Promise<boolean> {
    const n = await this.#knex('jobs')
      .where({ job_key: key })
      .update({ processing_status: ProcessingStatus.InProcess, failure_reason: null, updated_at: this.#knex.fn.now(3) });
    return n > 0;
  }

  async markProcessed(key: string, info: Record<string, unknown>): Promise<boolean> {
    const n = await this.#knex('jobs')
      .where({ job_key: key })
      .update({ processing_status: ProcessingStatus.Processed, failure_reason: null, info: JSON.stringify(info), updated_at: this.#knex.fn.now(3) });
    return n > 0;
  }

  async markFailed(key: string, reason: string): Promise<boolean> {
    const n = await this.#knex('jobs')
      .where({ job_key: key })
      .update({ processing_status: ProcessingStatus.Failed, failure_reason: reason.slice(0, MAX_REASON), updated_at: this.#knex.fn.now(3) });
    return n > 0;
  }

  async get(key: string): Promise<{ job_key: string; job_type: string; processing_status: number; failure_reason: string | null; info: unknown } | undefined> {
    const row = await this.#knex('jobs').where({ job_key: key }).first();
    if (!row) return undefined;
    return { ...row, info: typeof row.info === 'string' ? JSON.parse(row.info) : row.info };
  }
}
