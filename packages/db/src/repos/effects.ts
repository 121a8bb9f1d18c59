import type { Knex } from 'knex';

/** Effects counted at the receiving side (system.effect): count > 1 means a duplicate effect. */
export class EffectsRepo {
  readonly #knex: Knex;
  constructor(knex: Knex) {
    this.#knex = knex;
  }

  async record(key: string): Promise<void> {
    await this.#knex.raw(
      'INSERT INTO system_effects (effect_key, count, first_at, last_at) VALUES (?, 1, NOW(3), NOW(3)) ' +
        'ON DUPLICATE KEY UPDATE count = count + 1, last_at = NOW(3)',
      [key],
    );
  }

  async counts(prefix: string): Promise<Map<string, number>> {
    const rows: Array<{ effect_key: string; count: number }> = await this.#withPrefix(prefix);
    return new Map(rows.map((r) => [r.effect_key, r.count]));
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
