// The fleet as separate processes on this machine, for fault scenarios: the SQS emulator in its
// own process, a private redis-server, MySQL/PostgreSQL (the test databases), and bridge and
// worker processes started with the real CLI. Effects are counted at the receiving side: the
// `system_effects` table written by `system.effect` (one row per effect key: effects, counted
// once per job instance like a receiver that drops repeated event ids, and executions, every run).
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { EffectsRepo, mysqlKnex, type Knex } from '@fable-jobs/db';
import { encodeMessage } from '@fable-jobs/contracts';
import { startRedisServer, spawnCli, testConfig, type Proc, type RedisServerHandle } from '@fable-jobs/testing';
import { createQueuePair, preload, queueDepth, startEmulator, type Emulator } from './emulator.ts';

export interface FleetOptions {
  redis?: { appendonly?: boolean; appendfsync?: 'always' | 'everysec' | 'no'; maxmemory?: string } | undefined;
  /** Extra environment for every fleet process. */
  env?: Record<string, string> | undefined;
  /** SQS endpoint the fleet uses (a proxy in front of the emulator), default the emulator. */
  sqsEndpoint?: (emulator: string) => Promise<string>;
}

export interface Report {
  sent: number;
  distinct: number;
  duplicates: number;
  /** Runs of a job instance beyond its first that reached the receiver (dropped there as repeats). */
  reExecutions: number;
  lost: number;
  deadLettered: number;
  recoveryMs?: number | undefined;
  notes?: string | undefined;
}

export class Fleet {
  readonly id = randomBytes(3).toString('hex');
  readonly procs = new Set<Proc>();
  emulator!: Emulator;
  redis!: RedisServerHandle;
  mysql!: Knex;
  queueUrl = '';
  dlqUrl = '';
  queueName = '';
  sqsEndpoint = '';
  #opts: FleetOptions;

  private constructor(opts: FleetOptions) {
    this.#opts = opts;
  }

  static async start(opts: FleetOptions = {}): Promise<Fleet> {
    const f = new Fleet(opts);
    f.emulator = await startEmulator();
    f.redis = await startRedisServer(opts.redis ?? {});
    f.mysql = mysqlKnex(testConfig().config.mysql);
    const q = await createQueuePair(f.emulator.sqs);
    f.queueUrl = q.queueUrl;
    f.dlqUrl = q.dlqUrl;
    f.queueName = q.queueUrl.split('/').pop() ?? '';
    f.sqsEndpoint = opts.sqsEndpoint ? await opts.sqsEndpoint(f.emulator.endpoint) : f.emulator.endpoint;
    return f;
  }

  get prefix(): string {
    return `fault-${this.id}`;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      LOG_LEVEL: process.env['FAULT_LOG'] ?? 'info',
      REDIS_URL: this.redis.url,
      AWS_ENDPOINT_URL: this.sqsEndpoint,
      SQS_Q_NAME: this.queueName,
      BULLMQ_PREFIX: this.prefix,
      BRIDGE_WAIT_SECONDS: '1',
      BRIDGE_VISIBILITY_TIMEOUT_SECONDS: '10',
      BRIDGE_HEARTBEAT_SECONDS: '3',
      WORKER_STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '10000',
      ...this.#opts.env,
      ...extra,
    };
  }

  async startBridge(extra: Record<string, string> = {}): Promise<Proc> {
    const p = spawnCli(['bridge'], this.env(extra));
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    await p.waitForLine(/bridge polling/, 60_000);
    return p;
  }

  async startWorker(extra: Record<string, string> = {}, pools = ['system']): Promise<Proc> {
    const p = spawnCli(['worker', ...pools.flatMap((x) => ['--pool', x])], this.env(extra));
    this.procs.add(p);
    void p.exited.then(() => this.procs.delete(p));
    await p.waitForLine(/workers started/, 60_000);
    return p;
  }

  async kill(p: Proc, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    p.child.kill(signal);
    await p.exited;
  }

  /** Effect keys of this run: `<prefix>-<i>`. */
  key(i: number): string {
    return `${this.prefix}-${i}`;
  }

  /** Send SYSTEM_EFFECT messages; `rate` msg/s when given, else as fast as possible. */
  async send(from: number, count: number, opts: { rate?: number; sleepMs?: number; idempotent?: boolean; extra?: (i: number) => Record<string, unknown> } = {}): Promise<void> {
    const make = (i: number) =>
      encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey: this.key(i), ...(opts.sleepMs ? { sleepMs: opts.sleepMs } : {}), ...opts.extra?.(i) }, opts.idempotent ? { idempotencyKey: `idem-${this.key(i)}` } : {});
    if (!opts.rate) {
      await preload(this.emulator.sqs, this.queueUrl, Array.from({ length: count }, (_, k) => make(from + k)));
      return;
    }
    const t0 = Date.now();
    for (let sent = 0; sent < count; ) {
      const due = Math.min(count, Math.ceil(((Date.now() - t0) / 1000) * opts.rate) + 1);
      if (due > sent) {
        await preload(this.emulator.sqs, this.queueUrl, Array.from({ length: due - sent }, (_, k) => make(from + sent + k)), 4);
        sent = due;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Remove completed jobs of a queue, as retention would: only the ledger remembers them then. */
  async cleanCompleted(queue: string): Promise<number> {
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: this.redis.port, maxRetriesPerRequest: null }, prefix: this.prefix });
    try {
      return (await q.clean(0, 1_000_000, 'completed')).length;
    } finally {
      await q.close();
    }
  }

  /** Wait until SQS is drained and the queue has nothing waiting, delayed or running. */
  async settle(queue = 'system.effect', timeoutMs = 120_000): Promise<void> {
    const q = new Queue(queue, { connection: { host: '127.0.0.1', port: this.redis.port, maxRetriesPerRequest: null }, prefix: this.prefix });
    try {
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        const busy = (await this.mainDepth()) + (await q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'));
        if (busy === 0) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed');
      throw new Error(`${queue} did not settle within ${timeoutMs} ms: ${JSON.stringify(counts)}; SQS ${await this.mainDepth()}`);
    } finally {
      await q.close();
    }
  }

  /** Keys with at least one effect: a COUNT, so polling it does not load MySQL or this process. */
  async effectCount(): Promise<number> {
    return new EffectsRepo(this.mysql).distinct(`${this.prefix}-`);
  }

  async dlqDepth(): Promise<number> {
    return queueDepth(this.emulator.sqs, this.dlqUrl);
  }

  async mainDepth(): Promise<number> {
    return queueDepth(this.emulator.sqs, this.queueUrl);
  }

  /** Wait until `n` distinct effects exist (or the deadline); returns ms waited. */
  async waitForEffects(n: number, timeoutMs: number): Promise<number> {
    if (!Number.isInteger(n) || n < 0) throw new Error(`waitForEffects needs a count, got ${n}`);
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if ((await this.effectCount()) >= n) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 100));
    }
    return Date.now() - t0;
  }

  /** Counts at the receiving side for messages 0..sent-1. */
  async report(sent: number, extra: Partial<Report> = {}): Promise<Report> {
    const tallies = await new EffectsRepo(this.mysql).tallies(`${this.prefix}-`);
    let distinct = 0;
    let duplicates = 0;
    let reExecutions = 0;
    for (let i = 0; i < sent; i++) {
      const { effects: c, executions } = tallies.get(this.key(i)) ?? { effects: 0, executions: 0 };
      if (c > 0) distinct += 1;
      if (c > 1) duplicates += c - 1;
      reExecutions += executions - c;
    }
    const deadLettered = await this.dlqDepth();
    return { sent, distinct, duplicates, reExecutions, lost: sent - distinct - deadLettered, deadLettered, ...extra };
  }

  async stop(): Promise<void> {
    await Promise.all([...this.procs].map(async (p) => {
      p.child.kill('SIGKILL');
      await p.exited;
    }));
    await this.redis.stop().catch(() => {});
    await this.emulator.stop().catch(() => {});
    await this.mysql.destroy();
  }
}

/** A drill's message count: `FAULT_COUNT` when set, else the drill's default; anything but a positive integer is refused. */
export function faultCount(fallback: number, raw = process.env['FAULT_COUNT']): number {
  const n = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`FAULT_COUNT must be a positive integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Run a scenario with a fleet that is always torn down, bounded in time. */
export async function scenario(name: string, limitMs: number, body: (fleet: Fleet) => Promise<Report>, opts: FleetOptions = {}): Promise<Report & { scenario: string }> {
  const fleet = await Fleet.start(opts);
  let timer: NodeJS.Timeout | undefined;
  try {
    const report = await Promise.race([
      body(fleet),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${name} exceeded ${limitMs} ms`)), limitMs))),
    ]);
    return { scenario: name, ...report };
  } finally {
    clearTimeout(timer);
    await fleet.stop();
  }
}
