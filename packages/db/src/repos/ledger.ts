import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

export interface LedgerEntry {
  key: string;
  messageId: string;
  messageType?: string | undefined;
  status: 'accepted' | 'dead-lettered';
  errorCode?: string | undefined;
  reason?: string | undefined;
  jobs?: Array<{ queue: string; jobId: string }> | undefined;
  seenAt: Date;
}

const hash = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Remembers every message key the bridge accepted (or dead-lettered) for longer than BullMQ
 * keeps completed jobs, so a late redelivery or a re-sent idempotency key is recognised.
 */
export class LedgerRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async ping(): Promise<void> {
    await this.#knex.raw('SELECT 1');
  }

  /** Keys among `keys` that were already accepted. */
  async findAccepted(keys: readonly string[]): Promise<Set<string>> {
    if (keys.length === 0) return new Set();
    const byHash = new Map(keys.map((k) => [hash(k), k]));
    const rows: Array<{ key_hash: string }> = await this.#knex('message_ledger')
      .select('key_hash')
      .whereIn('key_hash', [...byHash.keys()])
      .andWhere('status', 'accepted');
    return new Set(rows.map((r) => byHash.get(r.key_hash)).filter((k): k is string => k !== undefined));
  }

  /** Insert or bump (last seen, receive count); an accepted entry stays accepted. */
  async record(entries: readonly LedgerEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map((e) => ({
      key_hash: hash(e.key),
      idem_key: e.key.slice(0, 512),
      message_id: e.messageId,
      message_type: e.messageType?.slice(0, 128) ?? null,
      status: e.status,
      error_code: e.errorCode ?? null,
      reason: e.reason?.slice(0, 4000) ?? null,
      jobs: e.jobs ? JSON.stringify(e.jobs) : null,
      first_seen_at: e.seenAt,
      last_seen_at: e.seenAt,
      receive_count: 1,
    }));
    const insert = this.#knex('message_ledger').insert(rows).toSQL().toNative();
    const keepAccepted = (col: string) => `${col} = IF(status = 'accepted', ${col}, VALUES(${col}))`;
    const sql =
      `${insert.sql} ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at), receive_count = receive_count + 1, ` +
      `${keepAccepted('message_id')}, ${keepAccepted('jobs')}, ${keepAccepted('error_code')}, ${keepAccepted('reason')}, ` +
      // status last: the IF()s above read the old value.
      `status = IF(status = 'accepted', status, VALUES(status))`;
    await this.#knex.raw(sql, insert.bindings as Knex.RawBinding[]);
  }

  async get(key: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#knex('message_ledger').where({ key_hash: hash(key) }).first();
    if (row && typeof row.jobs === 'string') row.jobs = JSON.parse(row.jobs);
    return row;
  }

  /** Delete entries not seen since `before`, in bounded batches; returns how many. */
  async prune(before: Date, batch = 5000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.#knex('message_ledger').where('last_seen_at', '<', before).limit(batch).delete();
      total += n;
      if (n < batch) return total;
    }
  }
}
