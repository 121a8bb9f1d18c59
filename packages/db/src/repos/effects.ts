import { createHash } from 'node:crypto';
import type { Knex } from 'knex';

/** Effects counted at the receiving side (system.effect): count > 1 means a duplicate effect. */
export class EffectsRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  /**
   * One run's effect under `key`, counted once per `idempotencyKey` (the job instance: see
   * `JobContext.idempotencyKey`), the way a receiver drops repeats of an event id. Every call
   * counts as an execution; only the first with a given idempotency key counts as an effect. One
   * transaction: a concurrent repeat waits on the key's row lock and then sees it taken.
   */
  async record(key: string, idempotencyKey: string): Promise<'recorded' | 'repeat'> {
    return this.#knex.transaction(async (trx) => {
      // affectedRows: 1 when the key was new, 2 when an existing row was updated (a repeat).
      const [claim] = (await trx.raw(
        'INSERT INTO system_effect_keys (key_hash, effect_key, runs, at) VALUES (?, ?, 1, NOW(3)) ' +
          'ON DUPLICATE KEY UPDATE runs = runs + 1',
        [createHash('sha256').update(idempotencyKey).digest('hex'), key],
      )) as [{ affectedRows: number }];
      const first = claim.affectedRows === 1;
      await trx.raw(
        'INSERT INTO system_effects (effect_key, count, executions, first_at, last_at) VALUES (?, ?, 1, NOW(3), NOW(3)) ' +
          'ON DUPLICATE KEY UPDATE count = count + VALUES(count), executions = executions + 1, last_at = NOW(3)',
        [key, first ? 1 : 0],
      );
      return first ? 'recorded' : 'repeat';
    });
  }

  /** Effects per key (a job instance counts once). */
  async counts(prefix: string): Promise<Map<string, number>> {
    return new Map([...(await this.tallies(prefix))].map(([k, t]) => [k, t.effects]));
  }

  /** Per key: effects (a job instance counts once) and executions (every run that got here). */
  async tallies(prefix: string): Promise<Map<string, { effects: number; executions: number }>> {
    const rows: Array<{ effect_key: string; count: number; executions: number }> = await this.#withPrefix(prefix).select('effect_key', 'count', 'executions');
    return new Map(rows.map((r) => [r.effect_key, { effects: r.count, executions: r.executions }]));
  }

  /** How many keys with this prefix had at least one effect (cheap enough to poll). */
  async distinct(prefix: string): Promise<number> {
    const [row] = await this.#withPrefix(prefix).count({ n: '*' });
    return Number(row?.['n'] ?? 0);
  }

  #withPrefix(prefix: string) {
    return this.#knex('system_effects').where('effect_key', 'like', `${prefix.replace(/[\\%_]/g, '\\$&')}%`);
  }
}
