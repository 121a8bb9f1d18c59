import type { Knex } from 'knex';
import { deleteInBatches } from '../knex.ts';

/** Business keys operators search by. */
export const KEY_TYPES = ['org', 'job_key', 'message_id', 'idempotency_key', 'rid', 'integration'] as const;
export type KeyType = (typeof KEY_TYPES)[number];

export interface JobKey {
  type: KeyType;
  value: string;
  queue: string;
  jobId: string;
  createdAt: Date;
}

/** The search index: business key → jobs (any queue, any state). */
export class JobKeysRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async add(keys: readonly JobKey[]): Promise<void> {
    if (keys.length === 0) return;
    const rows = keys.map((k) => ({ key_type: k.type, key_value: k.value.slice(0, 191), queue: k.queue, job_id: k.jobId, created_at: k.createdAt }));
    for (let i = 0; i < rows.length; i += 1000) await this.#knex('job_keys').insert(rows.slice(i, i + 1000)).onConflict().ignore();
  }

  async find(type: KeyType, value: string, limit = 100): Promise<Array<{ queue: string; jobId: string; createdAt: Date }>> {
    const rows: Array<{ queue: string; job_id: string; created_at: Date }> = await this.#knex('job_keys')
      .select('queue', 'job_id', 'created_at')
      .where({ key_type: type, key_value: value.slice(0, 191) })
      .orderBy('created_at', 'desc')
      .limit(limit);
    return rows.map((r) => ({ queue: r.queue, jobId: r.job_id, createdAt: r.created_at }));
  }

  prune(before: Date, batch = 5000, signal?: AbortSignal): Promise<number> {
    return deleteInBatches(() => this.#knex('job_keys').where('created_at', '<', before), batch, signal);
  }
}
