// Worker runtime throughput on system.noop: our PoolRunner (validation, legacy-row check, error
// mapping, metrics, job-run records in MySQL) vs a raw BullMQ Worker, same concurrency.
import { Queue, Worker } from 'bullmq';
import { EffectsRepo, JobRunsRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, StatusRecorder, enqueueBulk } from '@fable-jobs/queue';
import { createHarness } from '@fable-jobs/testing';
import { systemProcessors } from '@fable-jobs/queue';
import { fmt } from '../lib/common.ts';

const N = Number(process.env['BENCH_JOBS'] ?? 50_000);
const CONCURRENCY = 50;
const KEEP = { removeOnComplete: { age: 3600, count: 10_000 }, removeOnFail: { age: 86_400, count: 10_000 } };

async function waitCompleted(workers: Worker[], n: number): Promise<void> {
  let done = 0;
  await new Promise<void>((resolve) => {
    for (const w of workers)
      w.on('completed', () => {
        done += 1;
        if (done === n) resolve();
      });
  });
}

async function raw(): Promise<number> {
  const h = await createHarness();
  const queue = new Queue('system.noop', { connection: h.producer, prefix: h.prefix, defaultJobOptions: KEEP });
  for (let i = 0; i < N; i += 5000) await queue.addBulk(Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ name: 'system.noop', data: {}, opts: { jobId: `r-${i + j}` } })));
  const worker = new Worker('system.noop', async () => ({ ok: true }), { connection: h.worker, prefix: h.prefix, concurrency: CONCURRENCY, autorun: false });
  const finished = waitCompleted([worker], N);
  const t0 = performance.now();
  void worker.run();
  await finished;
  const rate = N / ((performance.now() - t0) / 1000);
  await worker.close();
  await queue.close();
  await h.close();
  return rate;
}

async function ours(): Promise<number> {
  const h = await createHarness({ env: { JOB_OVERRIDES: JSON.stringify({ 'system.noop': { concurrency: CONCURRENCY } }) } });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  for (let i = 0; i < N; i += 5000) {
    await enqueueBulk(queues, Array.from({ length: Math.min(5000, N - i) }, (_, j) => ({ name: 'system.noop' as const, data: {}, jobId: `o-${i + j}`, meta: { source: 'test' as const } })));
  }
  const status = new StatusRecorder(new JobRunsRepo(h.mysql), h.log, { intervalMs: h.config.worker.statusFlushMs });
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, legacyJobs: new LegacyJobsRepo(h.mysql), status }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
  const t0 = performance.now();
  await runner.start();
  for (;;) {
    const m = await h.metrics.registry.getSingleMetric('fable_jobs_completed_total')?.get();
    if ((m?.values.find((v) => v.labels['queue'] === 'system.noop')?.value ?? 0) >= N) break;
    await new Promise((r) => setTimeout(r, 10));
  }
  const rate = N / ((performance.now() - t0) / 1000);
  await runner.forceClose();
  await status.close();
  await queues.close();
  await h.close();
  return rate;
}

export async function benchWorker(): Promise<Array<Record<string, string | number>>> {
  const r: number[] = [];
  const o: number[] = [];
  for (let round = 0; round < 2; round++) {
    r.push(await raw());
    o.push(await ours());
  }
  const b = Math.max(...r);
  const w = Math.max(...o);
  return [{ jobs: N, concurrency: CONCURRENCY, 'raw BullMQ worker jobs/s': fmt(b), 'our runner jobs/s (status on)': fmt(w), ratio: fmt(w / b, 2) }];
}
