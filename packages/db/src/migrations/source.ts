import type { Knex } from 'knex';

export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** Migrations declared in code (no file globbing: works the same from source, bundle or image). */
export class CodeMigrationSource implements Knex.MigrationSource<Migration> {
  readonly #migrations: readonly Migration[];
  constructor(migrations: readonly Migration[]) {
    this.#migrations = migrations;
  }
  getMigrations(): Promise<Migration[]> {
    return Promise.resolve([...this.#migrations]);
  }
  getMigrationName(m: Migration): string {
    return m.name;
  }
  getMigration(m: Migration): Promise<Knex.Migration> {
    return Promise.resolve({ up: m.up, down: m.down });
  }
}
