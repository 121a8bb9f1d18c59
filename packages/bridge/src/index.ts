export * from './bridge.ts';
export * from './durability.ts';

