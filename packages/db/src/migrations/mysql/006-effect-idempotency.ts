import type { Migration } from '../source.ts';

/**
 * `system.effect` becomes an idempotent receiver, like the webhook receivers that drop repeats of
 * an event id: one row per job instance (`system_effect_keys`) decides whether a run's effect
 * counts, and `executions` keeps every run that reached the table, so re-runs stay visible.
 */
export const effectIdempotency: Migration = {
  name: '006-effect-idempotency',
  async up(knex) {
    await knex.schema.alterTable('system_effects', (t) => {
      t.integer('executions').notNullable().defaultTo(0);
    });
    await knex.raw('UPDATE system_effects SET executions = count');
    await knex.schema.createTable('system_effect_keys', (t) => {
      // SHA-256 (hex) of the idempotency key: fixed width whatever the job id's length.
      t.specificType('key_hash', 'CHAR(64) CHARACTER SET ascii').primary();
      t.string('effect_key', 191).notNullable();
      t.integer('runs').notNullable().defaultTo(1);
      t.dateTime('at', { precision: 3 }).notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('system_effect_keys');
    await knex.schema.alterTable('system_effects', (t) => t.dropColumn('executions'));
  },
};
