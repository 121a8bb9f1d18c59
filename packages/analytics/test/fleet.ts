import { randomBytes } from 'node:crypto';
import type { Job, Queue } from 'bullmq';
import { ANALYTICS_KINDS, encodeMessage, jobIdFor, type AnalyticsKind } from '@fable-jobs/contracts';
import { Bridge } from '@fable-jobs/bridge';
import { LedgerRepo, migrateLatest, POSTGRES_MIGRATIONS, postgresKnex } from '@fable-jobs/db';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createRedis } from '@fable-jobs/runtime';
import { createHarness, startSqs, testConfig, waitForJob, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { createAnalytics, type AnalyticsPool } from '../src/index.ts';

/** One worker process of the analytics pool: its own Redis connections, queues and PostgreSQL pool. */
export interface Replica {
  queues: QueueSet;
  runner: PoolRunner;
  analytics: AnalyticsPool;
  stop(): Promise<void>;
}

/**
 * The analytics path end to end on real services: SQS (fauxqs) → bridge → BullMQ (a prefix of
 * this test) → analytics workers → PostgreSQL.
 */
export interface Fleet {
  h: Harness;
  sqs: SqsFixture;
  queueUrl: string;
  dlqUrl: string;
  /** Producer-side queues (bridge, test). */
  queues: QueueSet;
  replicas: Replica[];
  /** Start one more worker replica (same prefix, new connections). */
  addReplica(): Promise<Replica>;
  /** Send TRIGGER_ANALYTICS_JOB for `job` (any string); resolves with the BullMQ job id it becomes. */
  trigger(job: string, format?: 'json' | 'legacy'): Promise<string>;
  /** Trigger a kind through SQS and wait until its job completed. */
  run(kind: AnalyticsKind, format?: 'json' | 'legacy'): Promise<Job>;
  /** Wait until a job reaches `state`; resolves with the job as stored then. */
  settled(queue: Queue, jobId: string, state: 'completed' | 'failed', timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

export const WATERMARK_START = '2025-01-01T00:00:00.000Z';

/**
 * A PostgreSQL database of this test file alone (migrated), so the al schema's data and each kind's
 * watermark are not shared with other files or with another run of this suite at the same time.
 */
async function createTestDatabase(): Promise<{ name: string; drop(): Promise<void> }> {
  const { config } = testConfig();
  const admin = postgresKnex(config.postgres, { database: 'postgres' });
  const now = Math.floor(Date.now() / 1000);
  const name = `fable_analytics_t_${now}_${randomBytes(3).toString('hex')}`;
  try {
    // Left behind by runs that were killed: named with their creation time, dropped after an hour.
    const stale = (await admin.raw("SELECT datname FROM pg_database WHERE datname LIKE 'fable\\_analytics\\_t\\_%'")) as { rows: Array<{ datname: string }> };
    for (const { datname } of stale.rows) {
      const created = Number(/^fable_analytics_t_(\d+)_/.exec(datname)?.[1] ?? now);
      if (now - created > 3600) await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [datname]).catch(() => {});
    }
    await admin.raw('CREATE DATABASE ??', [name]);
  } finally {
    await admin.destroy();
  }
  const pg = postgresKnex({ ...config.postgres, database: name });
  try {
    await migrateLatest(pg, POSTGRES_MIGRATIONS);
  } finally {
    await pg.destroy();
  }
  return {
    name,
    async drop() {
      const k = postgresKnex(config.postgres, { database: 'postgres' });
      try {
        await k.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
      } finally {
        await k.destroy();
      }
    },
  };
}

export async function startFleet(opts: { env?: Record<string, string>; replicas?: number } = {}): Promise<Fleet> {
  const db = await createTestDatabase();
  const h = await createHarness({ env: { ANALYTICS_DB_NAME: db.name, ANALYTICS_WATERMARK_START: WATERMARK_START, ...opts.env } });
  const sqs = await startSqs();
  const { queueUrl, dlqUrl } = await sqs.createQueues();
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  const bridge = new Bridge({
    sqs: sqs.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    log: h.log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...h.config.bridge, waitTimeSeconds: 1, pollers: 1 },
  });
  const replicas: Replica[] = [];

  const addReplica = async (): Promise<Replica> => {
    const producer = createRedis(h.config.redis.url, 'producer');
    const worker = createRedis(h.config.redis.url, 'worker');
    producer.on('error', () => {});
    worker.on('error', () => {});
    const rq = new QueueSet({ connection: producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
    const analytics = createAnalytics({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics });
    const runner = new PoolRunner({ connection: worker, queues: rq, log: h.log, stalledIntervalMs: 5000 }).add('analytics', analytics.processors);
    await runner.start();
    let stopped = false;
    const replica: Replica = {
      queues: rq,
      runner,
      analytics,
      async stop() {
        if (stopped) return;
        stopped = true;
        await runner.drain(AbortSignal.timeout(5000));
        await analytics.close();
        await rq.close();
        producer.disconnect();
        worker.disconnect();
      },
    };
    replicas.push(replica);
    return replica;
  };
  for (let i = 0; i < (opts.replicas ?? 1); i++) await addReplica();
  bridge.start();

  const trigger = async (job: string, format: 'json' | 'legacy' = 'json') => {
    const [messageId] = await sqs.send(queueUrl, [encodeMessage('TRIGGER_ANALYTICS_JOB', format, { job })]);
    return jobIdFor(messageId ?? '');
  };

  const settled = async (queue: Queue, jobId: string, state: 'completed' | 'failed', timeoutMs = 30_000): Promise<Job> => {
    await waitForJob(queue, jobId, state, { connection: h.producer, timeoutMs });
    // waitForJob can hand back the job as read just before it finished (no return value yet): read it again.
    const job = await queue.getJob(jobId);
    if (!job) throw new Error(`job ${queue.name}/${jobId} is gone`);
    return job;
  };

  return {
    h,
    sqs,
    queueUrl,
    dlqUrl,
    queues,
    replicas,
    addReplica,
    trigger,
    async run(kind, format = 'json') {
      const id = await trigger(kind, format);
      return settled(queues.get(ANALYTICS_KINDS[kind]), id, 'completed');
    },
    settled,
    async close() {
      bridge.stopIntake();
      await bridge.drain(AbortSignal.timeout(5000));
      for (const r of replicas) await r.stop();
      await queues.close();
      await sqs.stop();
      await h.close();
      await db.drop();
    },
  };
}

/** Rows of a query on the test's PostgreSQL connection. */
export async function rows<T = Record<string, unknown>>(h: Harness, sql: string, bindings: readonly unknown[] = []): Promise<T[]> {
  const r = (await h.postgres.raw(sql, bindings as never)) as { rows: T[] };
  return r.rows;
}

export interface RunRow {
  id: number;
  kind: string;
  job_key: string;
  trigger: string;
  attempt: number;
  status: string;
  low_watermark: Date | null;
  high_watermark: Date | null;
  result: Record<string, unknown> | null;
  error_code: string | null;
  failure_reason: string | null;
  failure_stack: string | null;
  will_retry: boolean | null;
  db_role: string;
  duration_ms: number | null;
}

/** The run records of a kind (any string: rejected kinds are recorded under the name they came with). */
export function runsOf(h: Harness, kind: AnalyticsKind | (string & {})): Promise<RunRow[]> {
  return rows<RunRow>(h, 'SELECT id::int, kind, job_key, trigger, attempt, status, low_watermark, high_watermark, result, error_code, failure_reason, failure_stack, will_retry, db_role, duration_ms FROM al.job_runs WHERE kind = ? ORDER BY id', [kind]);
}
