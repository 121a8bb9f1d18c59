export * from './pools.ts';
export * from './retention.ts';
export * from './start.ts';
