import { Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import { registry, type JobName } from '@fable-jobs/contracts';
import type { JobOverride } from '@fable-jobs/runtime';
import { Fairness } from './fairness.ts';
import type { JobIndexWriter } from './job-index.ts';
import { jobOptions, resolveJob, type ResolvedJob } from './job-options.ts';

/**
 * One BullMQ queue per job name, created lazily on a shared connection. Producers (bridge,
 * API) and workers read the same catalogue, so options match everywhere.
 */
export class QueueSet {
  readonly prefix: string;
  readonly fairness: Fairness;
  /** Where added jobs are indexed by business key (search); absent in tests that do not need it. */
  readonly index: JobIndexWriter | undefined;
  readonly #connection: Redis;
  readonly #overrides: Record<string, JobOverride>;
  readonly #queues = new Map<string, Queue>();
  readonly #resolved = new Map<string, ResolvedJob>();

  constructor(opts: { connection: Redis; prefix: string; overrides?: Record<string, JobOverride>; index?: JobIndexWriter }) {
    this.#connection = opts.connection;
    this.prefix = opts.prefix;
    this.#overrides = opts.overrides ?? {};
    this.fairness = new Fairness(opts.connection, opts.prefix);
    this.index = opts.index;
  }

  get connection(): Redis {
    return this.#connection;
  }

  resolved(name: string): ResolvedJob {
    let r = this.#resolved.get(name);
    if (!r) {
      r = resolveJob(registry.job(name), this.#overrides);
      this.#resolved.set(name, r);
    }
    return r;
  }

  get(name: JobName | string): Queue {
    let q = this.#queues.get(name);
    if (!q) {
      const resolved = this.resolved(name);
      q = new Queue(name, { connection: this.#connection, prefix: this.prefix, defaultJobOptions: jobOptions(resolved) });
      // Errors surface on the calls that fail; this keeps an unhandled 'error' from crashing the process.
      q.on('error', () => {});
      this.#queues.set(name, q);
    }
    return q;
  }

  /** Every queue of the catalogue (for the dashboard and metrics). */
  all(): Queue[] {
    return registry.jobs().map((j) => this.get(j.name));
  }

  queueEvents(name: string, connection: Redis): QueueEvents {
    return new QueueEvents(name, { connection, prefix: this.prefix });
  }

  async close(): Promise<void> {
    await this.index?.flush().catch(() => {});
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
