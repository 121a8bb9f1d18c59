import type { FastifyInstance } from 'fastify';
import { buildApp } from '@fable-jobs/api';
import type { Context } from '../context.ts';

export async function startApi(ctx: Context): Promise<FastifyInstance> {
  void ctx.mysql; // registers the MySQL readiness check
  void ctx.postgres;
  const app = await buildApp({ config: ctx.config, log: ctx.log, metrics: ctx.metrics, health: ctx.health, queues: ctx.queues });
  await app.listen({ port: ctx.config.api.port, host: ctx.config.api.host });
  // Fastify's close stops accepting, then waits for in-flight requests.
  ctx.lifecycle.on('drain', 'api: finish requests', () => app.close());
  return app;
}
