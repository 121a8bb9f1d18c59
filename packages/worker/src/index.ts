export * from './pools.ts';
export * from './start.ts';

