import type { Pool } from '@fable-jobs/contracts';
import { createAnalytics } from '@fable-jobs/analytics';
import { EffectsRepo, JobKeysRepo, JobRunsRepo, LegacyJobsRepo, type Knex } from '@fable-jobs/db';
import { createIntegrations } from '@fable-jobs/integrations';
import { createLlmProcessors } from '@fable-jobs/llm';
import { createMediaProcessors } from '@fable-jobs/media';
import { PoolRunner, StatusRecorder, systemProcessors, upsertSchedules, type QueueSet } from '@fable-jobs/queue';
import { RetentionSweeper } from './retention.ts';
import type { Config, Lifecycle, Logger, Metrics, Scrubber } from '@fable-jobs/runtime';
import type { Redis } from 'ioredis';

export interface WorkerContext {
  config: Config;
  log: Logger;
  metrics: Metrics;
  scrubber: Scrubber;
  mysql: Knex;
  postgres: Knex;
  /** Worker-role Redis (maxRetriesPerRequest: null). */
  workerRedis: Redis;
  queues: QueueSet;
  lifecycle: Lifecycle;
}

export interface WorkerHandle {
  runner: PoolRunner;
  status: StatusRecorder;
}

/** Start the given pools in this process and register their shutdown phases. */
export async function startWorker(ctx: WorkerContext, pools: readonly Pool[]): Promise<WorkerHandle> {
  const log = ctx.log.child({ component: 'worker' });
  const domain = { config: ctx.config, log, mysql: ctx.mysql, postgres: ctx.postgres, metrics: ctx.metrics };
  const status = new StatusRecorder(new JobRunsRepo(ctx.mysql), log, { intervalMs: ctx.config.worker.statusFlushMs });
  const runner = new PoolRunner({
    connection: ctx.workerRedis,
    queues: ctx.queues,
    log,
    metrics: ctx.metrics,
    legacyJobs: new LegacyJobsRepo(ctx.mysql),
    status,
    scrubber: ctx.scrubber,
    stalledIntervalMs: ctx.config.worker.stalledIntervalMs,
    maxStalledCount: ctx.config.worker.maxStalledCount,
  });
  for (const pool of pools) {
    switch (pool) {
      case 'system':
        runner.add('system', systemProcessors({ effects: new EffectsRepo(ctx.mysql) }));
        break;
      case 'media':
        runner.add('media', createMediaProcessors(domain));
        break;
      case 'analytics': {
        const analytics = createAnalytics(domain);
        ctx.lifecycle.on('close', 'analytics postgres pool', () => analytics.close());
        runner.add('analytics', analytics.processors);
        // Every replica upserts the same schedulers (one per kind, by id): still one of each.
        log.info({ schedules: await upsertSchedules(ctx.queues, analytics.schedules) }, 'analytics schedules in place');
        break;
      }
      case 'integrations': {
        // The scrubber: delivery records quote upstream answers, which may echo a credential.
        const integrations = createIntegrations({ ...domain, scrubber: ctx.scrubber });
        // After the drain phase: delivery records of the last jobs are flushed, then pools closed.
        ctx.lifecycle.on('close', 'integrations: flush delivery records', () => integrations.close());
        runner.add('integrations', integrations.processors);
        break;
      }
      case 'llm':
        // The worker's own connection: the token budget shares it instead of opening another.
        runner.add('llm', createLlmProcessors({ ...domain, redis: ctx.workerRedis }));
        break;
    }
  }
  await runner.start();
  const retention = new RetentionSweeper({
    runs: new JobRunsRepo(ctx.mysql),
    keys: new JobKeysRepo(ctx.mysql),
    redis: ctx.queues.connection,
    prefix: ctx.queues.prefix,
    retentionDays: ctx.config.worker.recordRetentionDays,
    log,
  });
  retention.start();
  ctx.lifecycle.on('intake', 'workers: stop fetching', () => runner.stopIntake());
  ctx.lifecycle.on('intake', 'record retention sweeper', () => retention.stop());
  ctx.lifecycle.on('drain', 'workers: finish running jobs, flush job-run records', async (deadline) => {
    await runner.drain(deadline);
    await status.close();
  });
  return { runner, status };
}
