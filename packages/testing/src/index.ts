export * from './env.ts';
export * from './harness.ts';
export * from './redis-server.ts';
export * from './sqs.ts';
