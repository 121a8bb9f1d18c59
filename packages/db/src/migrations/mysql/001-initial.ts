import type { Migration } from '../source.ts';

export const initial: Migration = {
  name: '001-initial',
  async up(knex) {
    // The legacy table belongs to the main API server; create it only where it does not exist
    // (development, tests). Column names and status codes are its contract.
    if (!(await knex.schema.hasTable('jobs'))) {
      await knex.schema.createTable('jobs', (t) => {
        t.bigIncrements('id');
        t.dateTime('created_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
        t.dateTime('updated_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
        t.string('job_type', 64).notNullable();
        t.string('job_key', 255).notNullable().unique();
        t.tinyint('processing_status').notNullable().defaultTo(1).comment('0 Failed, 1 Touched, 2 InProcess, 3 Processed');
        t.text('failure_reason').nullable();
        t.json('info').nullable();
      });
    }

    await knex.schema.createTable('job_runs', (t) => {
      t.string('queue', 64).notNullable();
      t.string('job_id', 255).notNullable();
      t.string('message_id', 128).nullable();
      t.string('source', 16).nullable();
      t.string('state', 16).notNullable().comment('active | completed | failed | retrying');
      t.integer('attempts').notNullable().defaultTo(0);
      t.string('error_code', 64).nullable();
      t.text('error').nullable();
      t.string('legacy_key', 255).nullable();
      t.dateTime('enqueued_at', { precision: 3 }).nullable();
      t.dateTime('started_at', { precision: 3 }).nullable();
      t.dateTime('finished_at', { precision: 3 }).nullable();
      t.integer('duration_ms').nullable();
      t.dateTime('updated_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
      t.primary(['queue', 'job_id']);
      t.index(['state', 'updated_at']);
      t.index(['message_id']);
      t.index(['legacy_key']);
    });

    await knex.schema.createTable('message_ledger', (t) => {
      t.specificType('key_hash', 'CHAR(64) CHARACTER SET ascii').primary().comment('sha256 hex of the idempotency key');
      t.string('idem_key', 512).notNullable();
      t.string('message_id', 128).notNullable();
      t.string('message_type', 128).nullable();
      t.string('status', 16).notNullable().comment('accepted | dead-lettered');
      t.string('error_code', 64).nullable();
      t.text('reason').nullable();
      t.json('jobs').nullable();
      t.dateTime('first_seen_at', { precision: 3 }).notNullable();
      t.dateTime('last_seen_at', { precision: 3 }).notNullable();
      t.integer('receive_count').notNullable().defaultTo(1);
      t.index(['last_seen_at']);
      t.index(['message_id']);
      t.index(['status', 'last_seen_at']);
    });

    await knex.schema.createTable('system_effects', (t) => {
      t.string('effect_key', 191).primary();
      t.integer('count').notNullable().defaultTo(0);
      t.dateTime('first_at', { precision: 3 }).notNullable();
      t.dateTime('last_at', { precision: 3 }).notNullable();
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('system_effects');
    await knex.schema.dropTableIfExists('message_ledger');
    await knex.schema.dropTableIfExists('job_runs');
  },
};
