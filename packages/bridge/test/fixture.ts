import { LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { QueueSet } from '@fable-jobs/queue';
import { createHarness, startSqs, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { Bridge } from '../src/index.ts';
import type { Durability } from '../src/durability.ts';

export interface BridgeFixture {
  h: Harness;
  sqs: SqsFixture;
  queueUrl: string;
  dlqUrl: string;
  queues: QueueSet;
  bridge: Bridge;
  close(): Promise<void>;
}

/** A bridge on the SQS emulator and real Redis/MySQL, polling fast (1 s long polls). */
export async function startBridgeFixture(opts: { env?: Record<string, string>; maxReceiveCount?: number; visibilityTimeout?: number; durability?: Durability; bridge?: Partial<Harness['config']['bridge']> } = {}): Promise<BridgeFixture> {
  const h = await createHarness({ env: opts.env ?? {} });
  const sqs = await startSqs();
  const { queueUrl, dlqUrl } = await sqs.createQueues({ maxReceiveCount: opts.maxReceiveCount ?? 5, visibilityTimeout: opts.visibilityTimeout ?? 30 });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  const bridge = new Bridge({
    sqs: sqs.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    legacyJobs: new LegacyJobsRepo(h.mysql),
    log: h.log,
    metrics: h.metrics,
    durability: opts.durability ?? { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...h.config.bridge, waitTimeSeconds: 1, pollers: 1, visibilityTimeoutSeconds: opts.visibilityTimeout ?? 30, ...opts.bridge },
  });
  bridge.start();
  return {
    h,
    sqs,
    queueUrl,
    dlqUrl,
    queues,
    bridge,
    async close() {
      bridge.stopIntake();
      await bridge.drain(AbortSignal.timeout(5000));
      await queues.close();
      await sqs.stop();
      await h.close();
    },
  };
}

/** Current value of a counter (summed over labels matching `labels`). */
export async function counter(h: Harness, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await h.metrics.registry.getSingleMetric(name)?.get();
  return (metric?.values ?? []).filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((a, v) => a + v.value, 0);
}
