import type { FastifyInstance } from 'fastify';
import { buildApp } from '@fable-jobs/api';
import { readBridgeLiveness } from '@fable-jobs/bridge';
import { AuditRepo, JobKeysRepo, LedgerRepo } from '@fable-jobs/db';
import { DeadLetters, JobOps } from '@fable-jobs/ops';
import { createSqsClient, resolveQueueUrls, type QueueUrls } from '@fable-jobs/runtime';
import type { Context } from '../context.ts';

/** The operator tools behind /admin/api (the dead-letter part needs the SQS queues). */
async function adminTools(ctx: Context, urls: QueueUrls | undefined) {
  const audit = new AuditRepo(ctx.mysql);
  const sqs = createSqsClient(ctx.config);
  ctx.lifecycle.on('close', 'sqs client (admin)', () => sqs.destroy());
  let resolved = urls;
  if (!resolved) {
    try {
      resolved = await resolveQueueUrls(sqs, ctx.config);
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'SQS queues not reachable: /admin/api/dlq is unavailable until restart');
    }
  }
  return {
    audit,
    jobs: new JobOps({ queues: ctx.queues, audit, keys: new JobKeysRepo(ctx.mysql), ledger: new LedgerRepo(ctx.mysql) }),
    deadLetters: resolved ? new DeadLetters({ sqs, ...resolved, queues: ctx.queues, audit, log: ctx.log }) : undefined,
  };
}

export async function startApi(ctx: Context, urls?: QueueUrls): Promise<FastifyInstance> {
  void ctx.mysql; // registers the MySQL readiness check
  void ctx.postgres;
  // A standalone API sees the bridges through the liveness they publish in Redis.
  if (!ctx.health.has('bridge')) ctx.health.add('bridge', () => readBridgeLiveness(ctx.producerRedis, ctx.config.redis.prefix));
  const admin = ctx.config.api.dashboardUsers.length > 0 ? await adminTools(ctx, urls) : undefined;
  const app = await buildApp({ config: ctx.config, log: ctx.log, metrics: ctx.metrics, health: ctx.health, queues: ctx.queues, mysql: ctx.mysql, admin });
  await app.listen({ port: ctx.config.api.port, host: ctx.config.api.host });
  // Fastify's close stops accepting, then waits for in-flight requests.
  ctx.lifecycle.on('drain', 'api: finish requests', () => app.close());
  return app;
}
