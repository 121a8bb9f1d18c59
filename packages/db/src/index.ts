export * from './knex.ts';
export * from './migrations/index.ts';
export * from './repos/effects.ts';
export * from './repos/job-runs.ts';
export * from './repos/ledger.ts';
export * from './repos/legacy-jobs.ts';
export * from './setup.ts';
