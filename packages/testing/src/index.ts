export * from './env.ts';
export * from './harness.ts';
export * from './redis-server.ts';
export * from './sqs.ts';
export * from './fakes/media.ts';
export * from './fakes/analytics.ts';
export * from './fakes/integrations.ts';
export * from './fakes/llm.ts';
