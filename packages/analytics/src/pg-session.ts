import type { Knex } from '@fable-jobs/db';

export type Rows = Array<Record<string, unknown>>;

/**
 * One pooled connection held for a whole run: the advisory lock, the run record and the
 * transaction share it, so a run needs one connection however many run at once.
 */
export class PgSession {
  readonly #knex: Knex;
  readonly #conn: unknown;

  private constructor(knex: Knex, conn: unknown) {
    this.#knex = knex;
    this.#conn = conn;
  }

  static async open(knex: Knex): Promise<PgSession> {
    return new PgSession(knex, await knex.client.acquireConnection());
  }

  /** Backend process id, to cancel the running statement from another connection. */
  get pid(): number | undefined {
    const pid = (this.#conn as { processID?: unknown }).processID;
    return typeof pid === 'number' ? pid : undefined;
  }

  async query(sql: string, bindings: readonly unknown[] = []): Promise<Rows> {
    const result = (await this.#knex.raw(sql, bindings as Knex.RawBinding[]).connection(this.#conn)) as { rows: Rows };
    return result.rows;
  }

  async release(): Promise<void> {
    await this.#knex.client.releaseConnection(this.#conn);
  }
}
