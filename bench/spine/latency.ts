// End-to-end latency, SQS send → job completed, at a steady 200 msg/s: ours (bridge + runner)
// vs a plain sqs-consumer → addBulk + raw BullMQ worker, on the same emulator.
import { Queue, Worker } from 'bullmq';
import { Consumer } from 'sqs-consumer';
import { encodeMessage } from '@fable-jobs/contracts';
import { Bridge, resolveDurability } from '@fable-jobs/bridge';
import { EffectsRepo, JobRunsRepo, LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, StatusRecorder } from '@fable-jobs/queue';
import { checkRedis } from '@fable-jobs/runtime';
import { createHarness, type Harness } from '@fable-jobs/testing';
import { systemProcessors } from '@fable-jobs/queue';
import { createQueuePair, fmt, percentile, preload, startEmulator, type Emulator } from '../lib/common.ts';

const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 15);

/** Send RATE msg/s for SECONDS (batches every 50 ms), each carrying its send time. */
async function drive(emu: Emulator, queueUrl: string): Promise<number> {
  const total = RATE * SECONDS;
  const perTick = RATE / 20;
  let sent = 0;
  const t0 = performance.now();
  while (sent < total) {
    const due = Math.min(total, Math.round(((performance.now() - t0) / 50 + 1) * perTick));
    const batch = [];
    while (sent < due) batch.push(encodeMessage('SYSTEM_NOOP', 'legacy', { note: String(Date.now()) })), (sent += 1);
    if (batch.length) void preload(emu.sqs, queueUrl, batch, 4);
    await new Promise((r) => setTimeout(r, 50 - ((performance.now() - t0) % 50)));
  }
  return total;
}

function collect(workers: Worker[], total: number): Promise<number[]> {
  const lat: number[] = [];
  return new Promise((resolve) => {
    for (const w of workers)
      w.on('completed', (job) => {
        lat.push(Date.now() - Number((job.data as { note?: string }).note));
        if (lat.length === total) resolve(lat.sort((a, b) => a - b));
      });
  });
}

async function baseline(emu: Emulator, h: Harness): Promise<number[]> {
  const { queueUrl } = await createQueuePair(emu.sqs);
  const queue = new Queue('system.noop', { connection: h.producer, prefix: h.prefix });
  const worker = new Worker('system.noop', async () => ({ ok: true }), { connection: h.worker, prefix: h.prefix, concurrency: 50 });
  const consumers = Array.from({ length: 2 }, () =>
    Consumer.create({
      queueUrl,
      sqs: emu.sqs,
      batchSize: 10,
      waitTimeSeconds: 20,
      strictReturn: true,
      messageAttributeNames: ['All'],
      handleMessageBatch: async (msgs) => {
        await queue.addBulk(msgs.map((m) => ({ name: 'system.noop', data: { note: m.MessageAttributes?.['note']?.StringValue }, opts: { jobId: `k-${m.MessageId}` } })));
        return msgs;
      },
    }),
  );
  consumers.forEach((c) => (c.on('error', () => {}), c.start()));
  const result = collect([worker], RATE * SECONDS);
  await drive(emu, queueUrl);
  const lat = await result;
  consumers.forEach((c) => c.stop({ abort: true }));
  await worker.close();
  await queue.close();
  return lat;
}

async function ours(emu: Emulator, h: Harness): Promise<number[]> {
  const { queueUrl, dlqUrl } = await createQueuePair(emu.sqs);
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  const status = new StatusRecorder(new JobRunsRepo(h.mysql), h.log, { intervalMs: 200 });
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, legacyJobs: new LegacyJobsRepo(h.mysql), status }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
  await runner.start();
  const bridge = new Bridge({
    sqs: emu.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    legacyJobs: new LegacyJobsRepo(h.mysql),
    log: h.log,
    metrics: h.metrics,
    durability: resolveDurability('auto', await checkRedis(h.producer, h.log), { replicas: 0, timeoutMs: 1000 }, h.log),
    options: { ...h.config.bridge, waitTimeSeconds: 20 },
  });
  bridge.start();
  const result = collect(runner.workers().filter((w) => w.name === 'system.noop'), RATE * SECONDS);
  await drive(emu, queueUrl);
  const lat = await result;
  bridge.stopIntake();
  await bridge.drain(AbortSignal.timeout(5000));
  await runner.forceClose();
  await status.close();
  await queues.close();
  return lat;
}

export async function benchLatency(): Promise<Array<Record<string, string | number>>> {
  const emu = await startEmulator();
  const rows: Array<Record<string, string | number>> = [];
  try {
    for (const [name, fn] of [['plain consumer + raw worker', baseline], ['bridge + runner', ours]] as const) {
      const h = await createHarness();
      try {
        const lat = await fn(emu, h);
        rows.push({ path: name, rate: `${RATE} msg/s × ${SECONDS} s`, 'p50 ms': fmt(percentile(lat, 50)), 'p99 ms': fmt(percentile(lat, 99)), 'max ms': fmt(lat.at(-1) ?? NaN) });
      } finally {
        await h.close();
      }
    }
  } finally {
    await emu.stop();
  }
  return rows;
}
