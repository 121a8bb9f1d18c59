import { randomBytes } from 'node:crypto';
import { Queue, QueueEvents, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { mysqlKnex, postgresKnex, type Knex } from '@fable-jobs/db';
import { Metrics, Scrubber, createLogger, createRedis, type Config, type Logger } from '@fable-jobs/runtime';
import { testConfig } from './env.ts';

export interface Harness {
  config: Config;
  secrets: string[];
  scrubber: Scrubber;
  log: Logger;
  metrics: Metrics;
  /** A BullMQ prefix of this test only: queues of different tests never meet. */
  prefix: string;
  producer: Redis;
  worker: Redis;
  mysql: Knex;
  postgres: Knex;
  /** Close everything opened through the harness and delete the test's Redis keys. */
  close(): Promise<void>;
  /** Register something to close with the harness (reverse order). */
  defer(fn: () => Promise<unknown> | unknown): void;
}

/** Real Redis, MySQL and PostgreSQL connections for one test, isolated by a unique queue prefix. */
export async function createHarness(opts: { env?: Record<string, string | undefined> } = {}): Promise<Harness> {
  const prefix = `t-${randomBytes(4).toString('hex')}`;
  const { config, secrets } = testConfig({ BULLMQ_PREFIX: prefix, ...opts.env });
  const scrubber = new Scrubber(secrets);
  const log = createLogger({ level: config.app.logLevel, scrubber, name: 'test' });
  const producer = createRedis(config.redis.url, 'producer');
  const worker = createRedis(config.redis.url, 'worker');
  producer.on('error', () => {});
  worker.on('error', () => {});
  const mysql = mysqlKnex(config.mysql);
  const postgres = postgresKnex(config.postgres);
  const deferred: Array<() => Promise<unknown> | unknown> = [];
  return {
    config,
    secrets,
    scrubber,
    log,
    metrics: new Metrics({ defaultMetrics: false }),
    prefix,
    producer,
    worker,
    mysql,
    postgres,
    defer: (fn) => void deferred.push(fn),
    async close() {
      for (const fn of deferred.reverse()) await fn();
      try {
        if (producer.status === 'ready') {
          let cursor = '0';
          do {
            const [next, keys] = await producer.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
            cursor = next;
            if (keys.length) await producer.unlink(...keys);
          } while (cursor !== '0');
        }
      } catch {
        /* Redis gone (a test stopped it): nothing to clean */
      }
      producer.disconnect();
      worker.disconnect();
      await Promise.all([mysql.destroy(), postgres.destroy()]);
    },
  };
}

export type WaitState = 'completed' | 'failed';

/**
 * Resolve with the job once it reaches `state` (reject when it reaches the other final state
 * or the timeout passes). Driven by the queue's events; a state already reached counts.
 */
export async function waitForJob(queue: Queue, jobId: string, state: WaitState, opts: { timeoutMs?: number; connection: Redis }): Promise<Job> {
  const events = new QueueEvents(queue.name, { connection: opts.connection.duplicate({ maxRetriesPerRequest: null, commandTimeout: undefined }), prefix: queue.opts.prefix });
  await events.waitUntilReady();
  try {
    return await new Promise<Job>((resolve, reject) => {
      let done = false;
      const timer = setTimeout(async () => {
        done = true;
        const job = await queue.getJob(jobId);
        reject(new Error(`job ${queue.name}/${jobId} did not reach ${state} within ${opts.timeoutMs ?? 20_000} ms (state: ${job ? await job.getState() : 'missing'})`));
      }, opts.timeoutMs ?? 20_000);
      const check = async () => {
        if (done) return;
        const job = await queue.getJob(jobId);
        if (!job || done) return;
        const s = await job.getState();
        if (done || (s !== 'completed' && s !== 'failed')) return;
        // Read the job again after its state: the first read may predate the result.
        const settled = (await queue.getJob(jobId)) ?? job;
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (s === state) resolve(settled);
        else reject(new Error(`job ${queue.name}/${jobId} ended ${s}, expected ${state}: ${settled.failedReason ?? ''}`));
      };
      const onEvent = ({ jobId: id }: { jobId: string }) => void (id === jobId && check());
      events.on('completed', onEvent);
      events.on('failed', onEvent);
      events.on('added', onEvent);
      void check();
      // Events only start with the stream's next entry: one emitted between the first check and
      // the first read is missed, so the state is also re-read now and then.
      const poll = setInterval(() => (done ? clearInterval(poll) : void check()), 250);
    });
  } finally {
    await events.close();
  }
}

/** Poll a condition (for state with no event, e.g. SQS queue depth) until true or timeout. */
export async function until(cond: () => Promise<boolean> | boolean, opts: { timeoutMs?: number; intervalMs?: number; what?: string } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 20_000);
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${opts.what ?? 'condition'}`);
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 25));
  }
}
