import { Bridge, resolveDurability } from '@fable-jobs/bridge';
import { createSqsClient, resolveQueueUrls } from '@fable-jobs/runtime';
import { LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import type { Context } from '../context.ts';

/** Start the SQS → BullMQ bridge in this process and register its shutdown. */
export async function startBridge(ctx: Context, urls?: { queueUrl: string; dlqUrl: string }): Promise<Bridge> {
  const log = ctx.log.child({ component: 'bridge' });
  const facts = await ctx.redisFacts();
  const durability = resolveDurability(ctx.config.bridge.durability, facts, { replicas: ctx.config.bridge.durabilityReplicas, timeoutMs: ctx.config.bridge.durabilityTimeoutMs }, log);
  await ctx.mysql.raw('SELECT 1');
  const sqs = createSqsClient(ctx.config);
  ctx.lifecycle.on('close', 'sqs client', () => sqs.destroy());
  const { queueUrl, dlqUrl } = urls ?? (await resolveQueueUrls(sqs, ctx.config));
  const bridge = new Bridge({
    sqs,
    queueUrl,
    dlqUrl,
    queues: ctx.queues,
    ledger: new LedgerRepo(ctx.mysql),
    legacyJobs: new LegacyJobsRepo(ctx.mysql),
    log,
    metrics: ctx.metrics,
    durability,
    options: ctx.config.bridge,
  });
  bridge.start();
  ctx.health.add('bridge', async () => {
    const l = bridge.liveness();
    return { ok: l.ok, detail: l.paused ? 'paused by backpressure' : `last receive ${l.lastReceiveAgeMs ?? '-'} ms ago, ${l.failures} consecutive enqueue failures` };
  });
  ctx.lifecycle.on('intake', 'bridge: stop polling', () => bridge.stopIntake());
  ctx.lifecycle.on('drain', 'bridge: finish batches', (deadline) => bridge.drain(deadline));
  return bridge;
}
