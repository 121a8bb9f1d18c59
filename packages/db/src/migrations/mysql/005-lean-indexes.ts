import type { Migration } from '../source.ts';

/**
 * Indexes no query uses cost a write per row on the two hottest tables (one ledger row per SQS
 * message, one run row per job): messages are found by id through the ledger's message_id index.
 */
export const leanIndexes: Migration = {
  name: '005-lean-indexes',
  async up(knex) {
    await knex.schema.alterTable('message_ledger', (t) => t.dropIndex(['status', 'last_seen_at']));
    await knex.schema.alterTable('job_runs', (t) => t.dropIndex(['message_id']));
  },
  async down(knex) {
    await knex.schema.alterTable('message_ledger', (t) => t.index(['status', 'last_seen_at']));
    await knex.schema.alterTable('job_runs', (t) => t.index(['message_id']));
  },
};
