// A bare worker process for crash tests: the system pool on the test databases, nothing else.
import { EffectsRepo, mysqlKnex } from '@fable-jobs/db';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createLogger, createRedis } from '@fable-jobs/runtime';
import { testConfig } from '@fable-jobs/testing';
import { systemProcessors } from '@fable-jobs/queue';

const { config } = testConfig({ BULLMQ_PREFIX: process.env['BULLMQ_PREFIX'], WORKER_STALLED_INTERVAL_MS: process.env['WORKER_STALLED_INTERVAL_MS'], JOB_OVERRIDES: process.env['JOB_OVERRIDES'] });
const queues = new QueueSet({ connection: createRedis(config.redis.url, 'producer'), prefix: config.redis.prefix, overrides: config.worker.jobOverrides });
const runner = new PoolRunner({ connection: createRedis(config.redis.url, 'worker'), queues, log: createLogger({ level: 'silent' }), stalledIntervalMs: config.worker.stalledIntervalMs });
runner.add('system', systemProcessors({ effects: new EffectsRepo(mysqlKnex(config.mysql)) }));
await runner.start();
process.stdout.write('child worker ready\n');
