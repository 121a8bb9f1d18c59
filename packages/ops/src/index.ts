export * from './dead-letters.ts';
export * from './diff.ts';
export * from './jobs.ts';
export * from './links.ts';
