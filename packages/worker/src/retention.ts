import type { Redis } from 'ioredis';
import type { JobKeysRepo, JobRunsRepo } from '@fable-jobs/db';
import { claimInterval, type Logger } from '@fable-jobs/runtime';

const HOUR = 3_600_000;

export interface RetentionDeps {
  runs: JobRunsRepo;
  keys: JobKeysRepo;
  redis: Redis;
  /** The BullMQ prefix: the fleet-wide sweep lock lives under it. */
  prefix: string;
  retentionDays: number;
  log: Logger;
  intervalMs?: number;
}

/**
 * Keeps the per-job MySQL records bounded: finished `job_runs` rows and `job_keys` search entries
 * older than the retention are deleted once per interval. Every worker process runs a sweeper;
 * a Redis lock held for the interval lets one of them do the work each time.
 */
export class RetentionSweeper {
  readonly #d: RetentionDeps;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  readonly #stop = new AbortController();

  constructor(deps: RetentionDeps) {
    this.#d = deps;
    this.#intervalMs = deps.intervalMs ?? HOUR;
  }

  start(): void {
    const tick = () => {
      this.#running = this.sweep().catch((err: Error) => this.#d.log.warn({ err: err.message }, 'record retention sweep failed; next try in an interval'));
    };
    tick();
    this.#timer = setInterval(tick, this.#intervalMs);
    this.#timer.unref();
  }

  /** Stop; a sweep under way ends after its current batch (the rest waits for the next sweep). */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#stop.abort();
    await this.#running;
  }

  /** One sweep if no other process swept within the interval; what it deleted, or undefined. */
  async sweep(now = Date.now()): Promise<{ runs: number; keys: number } | undefined> {
    if (this.#stop.signal.aborted) return undefined;
    if (!(await claimInterval(this.#d.redis, `${this.#d.prefix}:fable:retention:lock`, this.#intervalMs))) return undefined;
    const before = new Date(now - this.#d.retentionDays * 24 * HOUR);
    const signal = this.#stop.signal;
    const runs = await this.#d.runs.prune(before, 5000, signal);
    const keys = signal.aborted ? 0 : await this.#d.keys.prune(before, 5000, signal);
    if (runs + keys > 0) this.#d.log.info({ runs, keys, before: before.toISOString() }, 'old job records deleted');
    return { runs, keys };
  }
}
