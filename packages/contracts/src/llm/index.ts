export * from './api.ts';
export * from './json-schemas.ts';
export * from './operations.ts';
export * from './tools.ts';
