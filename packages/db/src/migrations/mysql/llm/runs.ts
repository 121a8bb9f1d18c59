import type { Migration } from '../../source.ts';

/** One row per /v1/f/llmops request and one per model call it made (account fallbacks, corrections). */
export const llmRuns: Migration = {
  name: '003-llm-runs',
  async up(knex) {
    await knex.schema.createTable('llm_runs', (t) => {
      t.string('id', 64).primary().comment('run id = BullMQ job id of llm.run');
      t.string('org_id', 64).nullable().comment('from the Authorization header <orgId>: prefix');
      t.string('user_sub', 191).notNullable().comment('JWT sub of the caller');
      t.string('thread', 128).notNullable();
      t.string('entity_id', 128).nullable();
      t.string('type', 64).notNullable().comment('the llmops operation');
      t.string('status', 16).notNullable().comment('queued | running | succeeded | failed');
      t.string('model', 128).notNullable();
      t.string('requested_model', 128).nullable();
      t.string('account', 64).nullable().comment('Anthropic account that answered');
      t.json('input').notNullable().comment('user_payload; images are S3 keys (refsForMMV), never bytes');
      t.json('output').nullable().comment('the assistant message (tool call)');
      t.integer('input_tokens').notNullable().defaultTo(0);
      t.integer('output_tokens').notNullable().defaultTo(0);
      t.integer('cache_creation_input_tokens').notNullable().defaultTo(0);
      t.integer('cache_read_input_tokens').notNullable().defaultTo(0);
      t.decimal('cost_usd', 14, 6).nullable();
      t.integer('credits').notNullable().defaultTo(0).comment('AI credits to deduct after success');
      t.boolean('credits_deducted').notNullable().defaultTo(false);
      t.string('remote_run_id', 128).nullable().comment('id of the run reported to the main API server');
      t.integer('attempts').notNullable().defaultTo(0).comment('model calls made');
      t.integer('duration_ms').nullable();
      t.string('error_code', 64).nullable();
      t.text('error').nullable();
      t.dateTime('created_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
      t.dateTime('started_at', { precision: 3 }).nullable();
      t.dateTime('finished_at', { precision: 3 }).nullable();
      t.index(['org_id', 'created_at']);
      t.index(['user_sub', 'created_at']);
      t.index(['thread']);
      t.index(['status', 'created_at']);
    });
    await knex.schema.createTable('llm_run_attempts', (t) => {
      t.bigIncrements('id');
      t.string('run_id', 64).notNullable();
      t.integer('job_attempt').notNullable().comment('BullMQ attempt (1-based)');
      t.integer('seq').notNullable().comment('call number within the job attempt');
      t.string('kind', 16).notNullable().comment('call | correction');
      t.string('account', 64).notNullable();
      t.string('outcome', 24).notNullable().comment('ok | rate_limited | overloaded | server_error | connection_error | rejected | invalid_output');
      t.integer('http_status').nullable();
      t.string('error_type', 64).nullable().comment('Anthropic error.type');
      t.string('request_id', 128).nullable().comment('request-id of the provider');
      t.integer('input_tokens').nullable();
      t.integer('output_tokens').nullable();
      t.integer('cache_creation_input_tokens').nullable();
      t.integer('cache_read_input_tokens').nullable();
      t.integer('duration_ms').notNullable();
      t.dateTime('created_at', { precision: 3 }).notNullable().defaultTo(knex.raw('CURRENT_TIMESTAMP(3)'));
      t.index(['run_id']);
    });
  },
  async down(knex) {
    await knex.schema.dropTableIfExists('llm_run_attempts');
    await knex.schema.dropTableIfExists('llm_runs');
  },
};
