import type { Static, TSchema } from 'typebox';
import type { Pool } from './pools.ts';

export interface BackoffPolicy {
  readonly type: 'exponential' | 'fixed';
  /** First delay (exponential: doubled per attempt). */
  readonly delayMs: number;
  /** 0..1: the share of the delay that is randomised, so retries of a burst spread out. */
  readonly jitter: number;
}

export interface KeepPolicy {
  /** Keep at most this long (seconds)... */
  readonly ageSeconds: number;
  /** ...and at most this many. */
  readonly count: number;
}

export interface JobDefinition<N extends string = string, P extends Pool = Pool, S extends TSchema = TSchema> {
  /** `domain.action`, lower-case, no `:`. Also the BullMQ queue name. */
  readonly name: N;
  readonly pool: P;
  readonly description: string;
  /** Payload schema, checked when enqueuing and again when processing. */
  readonly schema: S;
  /** Total tries, the first one included. */
  readonly attempts: number;
  readonly backoff: BackoffPolicy;
  /** Parallel jobs per worker process; `per-core` = available CPU cores. */
  readonly concurrency: number | 'per-core';
  /** Queue-wide rate limit (across all workers). */
  readonly limiter?: { readonly max: number; readonly durationMs: number } | undefined;
  /**
   * The processor can report a provider's rate limit (`RateLimitedError`, e.g. an HTTP 429),
   * which pauses the whole queue for Retry-After. BullMQ honours that pause only on workers with
   * a limiter, so such a queue without one gets a limiter far above any real rate — at the price
   * of a Redis INCR per job, which is why it is not the default everywhere. Elsewhere a
   * `RateLimitedError` delays only the job that raised it.
   */
  readonly providerRateLimits?: boolean | undefined;
  /** Lock held while a job runs; renewed at half-life by the worker, lost when the process dies. */
  readonly lockDurationMs: number;
  /** Abort the run (AbortSignal) after this long; the attempt fails and is retried. */
  readonly timeoutMs?: number | undefined;
  readonly retention: { readonly completed: KeepPolicy; readonly failed: KeepPolicy };
  /**
   * Only one job of this queue exists in waiting/active at a time: a second trigger while one
   * waits or runs is coalesced into it (BullMQ deduplication by the job name).
   */
  readonly coalesce?: boolean | undefined;
  /**
   * Fair share between tenants of one queue (without BullMQ Pro): jobs are prioritised by how
   * many jobs their key (`data[keyField]`, e.g. an integration id) already has queued, and at
   * most `maxActivePerKey` of one key run at once across all workers; the rest wait their turn.
   */
  readonly fairness?: { readonly keyField: string; readonly maxActivePerKey: number } | undefined;
  /** The job updates the legacy MySQL `jobs` row whose `job_key` is `data[legacyKeyField]`. */
  readonly legacyKeyField?: string | undefined;
}

export type AnyJobDefinition = JobDefinition<string, Pool, TSchema>;
export type JobPayload<D> = D extends JobDefinition<string, Pool, infer S> ? Static<S> : never;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

type Defaults = Omit<JobDefinition, 'name' | 'pool' | 'description' | 'schema'>;

/** Per-pool defaults; a definition overrides any of them. */
export const POOL_DEFAULTS: Record<Pool, Defaults> = {
  system: {
    attempts: 3,
    backoff: { type: 'exponential', delayMs: SECOND, jitter: 0.5 },
    concurrency: 50,
    lockDurationMs: 30 * SECOND,
    retention: { completed: { ageSeconds: HOUR / SECOND, count: 10_000 }, failed: { ageSeconds: 7 * DAY / SECOND, count: 10_000 } },
  },
  media: {
    attempts: 4,
    backoff: { type: 'exponential', delayMs: 30 * SECOND, jitter: 0.5 },
    concurrency: 'per-core',
    lockDurationMs: 2 * MINUTE,
    timeoutMs: 60 * MINUTE,
    retention: { completed: { ageSeconds: 3 * DAY / SECOND, count: 5_000 }, failed: { ageSeconds: 14 * DAY / SECOND, count: 5_000 } },
    legacyKeyField: 'key',
  },
  analytics: {
    attempts: 5,
    backoff: { type: 'exponential', delayMs: 10 * SECOND, jitter: 0.5 },
    concurrency: 1,
    lockDurationMs: 2 * MINUTE,
    timeoutMs: 30 * MINUTE,
    retention: { completed: { ageSeconds: 7 * DAY / SECOND, count: 1_000 }, failed: { ageSeconds: 30 * DAY / SECOND, count: 1_000 } },
    coalesce: true,
  },
  integrations: {
    // The old service re-sent a failed notification 15 minutes later, 3 attempts in all.
    attempts: 3,
    backoff: { type: 'fixed', delayMs: 15 * MINUTE, jitter: 0.1 },
    concurrency: 10,
    lockDurationMs: MINUTE,
    timeoutMs: 2 * MINUTE,
    retention: { completed: { ageSeconds: 3 * DAY / SECOND, count: 10_000 }, failed: { ageSeconds: 14 * DAY / SECOND, count: 10_000 } },
    // Third-party APIs answer 429: the provider's Retry-After pauses the queue.
    providerRateLimits: true,
  },
  llm: {
    attempts: 2,
    backoff: { type: 'exponential', delayMs: 2 * SECOND, jitter: 0.5 },
    concurrency: 16,
    lockDurationMs: MINUTE,
    timeoutMs: 5 * MINUTE,
    retention: { completed: { ageSeconds: DAY / SECOND, count: 5_000 }, failed: { ageSeconds: 7 * DAY / SECOND, count: 5_000 } },
    // Model providers answer 429/529, and the pool's token buckets pause the queue the same way.
    providerRateLimits: true,
  },
};

type Spec<N extends string, P extends Pool, S extends TSchema> = Pick<JobDefinition<N, P, S>, 'name' | 'pool' | 'description' | 'schema'> &
  Partial<Defaults>;

/** Declare a job: the pool's defaults, overridden by what the spec sets. */
export function defineJob<const N extends string, const P extends Pool, S extends TSchema>(spec: Spec<N, P, S>): JobDefinition<N, P, S> {
  return { ...POOL_DEFAULTS[spec.pool], ...spec } as JobDefinition<N, P, S>;
}

export const JOB_NAME_PATTERN = /^[a-z][a-z0-9]*\.[a-z0-9][a-z0-9-]*$/;
