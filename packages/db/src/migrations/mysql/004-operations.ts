import type { Migration } from '../source.ts';

export const operations: Migration = {
  name: '004-operations',
  async up(knex) {
    // Who did what to which job or message, and why: retries, replays, redrives, cleans, purges.
    await knex.schema.createTable('audit_log', (t) => {
      t.bigIncrements('id');
      t.dateTime('at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
      t.string('actor', 128).notNullable();
      t.string('source', 16).notNullable().comment('cli | admin-api | dashboard');
      t.string('action', 96).notNullable();
      t.string('target', 512).notNullable();
      t.text('reason').nullable();
      t.json('details').nullable();
      t.index(['at']);
      t.index(['action', 'at']);
      t.index(['target']);
    });
    // Business keys → jobs, maintained at enqueue: search without scanning Redis.
    await knex.schema.createTable('job_keys', (t) => {
      t.string('key_type', 32).notNullable();
      t.string('key_value', 191).notNullable();
      t.string('queue', 64).notNullable();
      t.string('job_id', 255).notNullable();
      t.dateTime('created_at', { precision: 3 }).notNullable();
      t.primary(['key_type', 'key_value', 'queue', 'job_id']);
      t.index(['created_at']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('job_keys');
    await knex.schema.dropTableIfExists('audit_log');
  },
};
