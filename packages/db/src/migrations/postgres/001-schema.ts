import type { Migration } from '../source.ts';

export const schema: Migration = {
  name: '001-schema',
  async up(knex) {
    await knex.raw('CREATE SCHEMA IF NOT EXISTS fable');
  },
  async down(knex) {
    await knex.raw('DROP SCHEMA IF EXISTS fable CASCADE');
  },
};
