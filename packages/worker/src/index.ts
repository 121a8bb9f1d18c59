export * from './pools.ts';
export * from './start.ts';

export * from './retention.ts';
