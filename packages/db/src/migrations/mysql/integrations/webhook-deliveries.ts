import type { Migration } from '../../source.ts';

/** One row per tenant webhook delivery attempt (secrets masked before they are written). */
export const webhookDeliveries: Migration = {
  name: '002-integrations-webhook-deliveries',
  async up(knex) {
    await knex.schema.createTable('webhook_deliveries', (t) => {
      t.bigIncrements('id');
      t.string('event_id', 64).notNullable().comment('stable per event: every retry carries the same one (X-Fable-Event-Id)');
      t.integer('attempt').notNullable();
      t.string('job_id', 255).notNullable();
      t.string('integration_id', 64).notNullable();
      t.bigInteger('org_id').nullable();
      t.string('platform', 32).nullable().comment('FableWebhook | Zapier');
      t.string('event', 128).notNullable();
      t.string('url', 2048).nullable().comment('redacted: no credentials, query values and hook tokens masked');
      t.json('request_headers').nullable().comment('credential-like header values masked');
      t.text('request_body', 'mediumtext').nullable();
      t.string('status', 16).notNullable().comment('success | failed');
      t.integer('http_status').nullable();
      t.boolean('will_retry').notNullable().defaultTo(false);
      t.string('error_code', 64).nullable();
      t.text('reason').nullable();
      t.text('response_body').nullable().comment('truncated');
      t.integer('duration_ms').nullable();
      t.dateTime('created_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
      t.unique(['event_id', 'attempt']);
      t.index(['integration_id', 'created_at']);
      t.index(['job_id']);
      t.index(['status', 'created_at']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('webhook_deliveries');
  },
};
