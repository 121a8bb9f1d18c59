import type { Pool } from '@fable-jobs/contracts';
import { startWorker, type WorkerHandle } from '@fable-jobs/worker';
import type { Context } from '../context.ts';

export async function startPools(ctx: Context, pools: readonly Pool[]): Promise<WorkerHandle> {
  await ctx.redisFacts();
  await ctx.mysql.raw('SELECT 1');
  return startWorker(
    {
      config: ctx.config,
      log: ctx.log,
      metrics: ctx.metrics,
      scrubber: ctx.scrubber,
      mysql: ctx.mysql,
      postgres: ctx.postgres,
      workerRedis: ctx.workerRedis,
      queues: ctx.queues,
      lifecycle: ctx.lifecycle,
    },
    pools,
  );
}
