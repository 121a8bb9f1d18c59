import type { FastifyInstance } from 'fastify';
import { buildApp } from '@fable-jobs/api';
import { readBridgeLiveness } from '@fable-jobs/bridge';
import type { Context } from '../context.ts';

export async function startApi(ctx: Context): Promise<FastifyInstance> {
  void ctx.mysql; // registers the MySQL readiness check
  void ctx.postgres;
  // A standalone API sees the bridges through the liveness they publish in Redis.
  if (!ctx.health.has('bridge')) ctx.health.add('bridge', () => readBridgeLiveness(ctx.producerRedis, ctx.config.redis.prefix));
  const app = await buildApp({ config: ctx.config, log: ctx.log, metrics: ctx.metrics, health: ctx.health, queues: ctx.queues, mysql: ctx.mysql });
  await app.listen({ port: ctx.config.api.port, host: ctx.config.api.host });
  // Fastify's close stops accepting, then waits for in-flight requests.
  ctx.lifecycle.on('drain', 'api: finish requests', () => app.close());
  return app;
}
