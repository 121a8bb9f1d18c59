import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { deleteInBatches, writeMany } from '../knex.ts';

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
    // Built by hand: one statement per batch of every poller, on the bridge's hot path.
    const bindings: unknown[] = [];
    for (const e of entries) {
      bindings.push(
        hash(e.key),
        e.key.slice(0, 512),
        e.messageId,
        e.messageType?.slice(0, 128) ?? null,
        e.status,
        e.errorCode ?? null,
        e.reason?.slice(0, 4000) ?? null,
        e.jobs ? JSON.stringify(e.jobs) : null,
        e.seenAt,
        e.seenAt,
      );
    }
    const keepAccepted = (col: string) => `${col} = IF(status = 'accepted', ${col}, VALUES(${col}))`;
    const sql =
      'INSERT INTO message_ledger (key_hash, idem_key, message_id, message_type, status, error_code, reason, jobs, first_seen_at, last_seen_at, receive_count) VALUES ' +
      entries.map(() => '(?,?,?,?,?,?,?,?,?,?,1)').join(',') +
      ' ON DUPLICATE KEY UPDATE last_seen_at = VALUES(last_seen_at), receive_count = receive_count + 1, ' +
      `${keepAccepted('message_id')}, ${keepAccepted('jobs')}, ${keepAccepted('error_code')}, ${keepAccepted('reason')}, ` +
      // status last: the IF()s above read the old value.
      `status = IF(status = 'accepted', status, VALUES(status))`;
    await writeMany(this.#knex, sql, bindings);
  }

  /** Accepted entries by SQS MessageId (a message's jobs, for search). */
  async findByMessageId(messageId: string): Promise<Array<{ key: string; jobs: Array<{ queue: string; jobId: string }>; firstSeen: Date }>> {
    const rows: Array<{ idem_key: string; jobs: unknown; first_seen_at: Date }> = await this.#knex('message_ledger').select('idem_key', 'jobs', 'first_seen_at').where({ message_id: messageId, status: 'accepted' });
    return rows.map((r) => ({ key: r.idem_key, jobs: (typeof r.jobs === 'string' ? JSON.parse(r.jobs) : (r.jobs ?? [])) as Array<{ queue: string; jobId: string }>, firstSeen: r.first_seen_at }));
  }

  async get(key: string): Promise<Record<string, unknown> | undefined> {
    const row = await this.#knex('message_ledger').where({ key_hash: hash(key) }).first();
    if (row && typeof row.jobs === 'string') row.jobs = JSON.parse(row.jobs);
    return row;
  }

  /** Delete entries not seen since `before`, in bounded batches; returns how many. */
  prune(before: Date, batch = 5000): Promise<number> {
    return deleteInBatches(() => this.#knex('message_ledger').where('last_seen_at', '<', before), batch);
  }
}
