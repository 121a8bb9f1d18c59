export * from './enqueue.ts';
export * from './errors.ts';
export * from './job-options.ts';
export * from './metrics.ts';
export * from './queues.ts';
export * from './runner.ts';
export * from './status-recorder.ts';
export * from './fairness.ts';
