import type { JobsOptions, WorkerOptions } from 'bullmq';
import type { AnyJobDefinition } from '@fable-jobs/contracts';
import type { JobOverride } from '@fable-jobs/runtime';
import { availableParallelism } from 'node:os';

/** A job definition with the operator's JOB_OVERRIDES applied. */
export interface ResolvedJob {
  def: AnyJobDefinition;
  attempts: number;
  backoff: { type: 'exponential' | 'fixed'; delay: number; jitter: number };
  concurrency: number;
  limiter: { max: number; duration: number } | undefined;
  lockDuration: number;
  timeoutMs: number | undefined;
}

export function resolveJob(def: AnyJobDefinition, overrides: Record<string, JobOverride> = {}): ResolvedJob {
  const o = overrides[def.name] ?? {};
  const limiter = o.limiter === null ? undefined : (o.limiter ?? def.limiter);
  return {
    def,
    attempts: o.attempts ?? def.attempts,
    backoff: { type: def.backoff.type, delay: o.backoffMs ?? def.backoff.delayMs, jitter: def.backoff.jitter },
    concurrency: o.concurrency ?? (def.concurrency === 'per-core' ? availableParallelism() : def.concurrency),
    limiter: limiter ? { max: limiter.max, duration: limiter.durationMs } : undefined,
    lockDuration: o.lockDurationMs ?? def.lockDurationMs,
    timeoutMs: o.timeoutMs ?? def.timeoutMs,
  };
}

/** Options every job of this kind is added with. */
export function jobOptions(job: ResolvedJob): JobsOptions {
  const { retention } = job.def;
  const opts: JobsOptions = {
    attempts: job.attempts,
    backoff: job.backoff,
    removeOnComplete: { age: retention.completed.ageSeconds, count: retention.completed.count },
    removeOnFail: { age: retention.failed.ageSeconds, count: retention.failed.count },
    keepLogs: 100,
    stackTraceLimit: 5,
  };
  if (job.def.coalesce) opts.deduplication = { id: job.def.name };
  return opts;
}

/**
 * A limiter far above any real rate, for jobs that declare `providerRateLimits` but no limiter:
 * BullMQ only honours a manual `queue.rateLimit()` (a provider's 429) on workers that have a
 * limiter at all. Every job then costs Redis an INCR of the limiter key, so others go without.
 */
export const UNLIMITED = { max: 1_000_000, duration: 1000 };

/** The limiter this job's workers run with, if any (see `UNLIMITED`). */
export function limiterOf(job: ResolvedJob): { max: number; duration: number } | undefined {
  return job.limiter ?? (job.def.providerRateLimits ? UNLIMITED : undefined);
}

export function workerOptions(job: ResolvedJob): Pick<WorkerOptions, 'concurrency' | 'limiter' | 'lockDuration'> {
  const limiter = limiterOf(job);
  return { concurrency: job.concurrency, lockDuration: job.lockDuration, ...(limiter ? { limiter } : {}) };
}
