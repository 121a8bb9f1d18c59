import type { JobData, JobName, JobNamesOf } from './catalogue.ts';
import type { Logger } from './logger.ts';
import type { Pool } from './pools.ts';

/** Where a job came from; kept in job data under `_meta`, never part of the payload. */
export interface JobMeta {
  source: 'sqs' | 'api' | 'schedule' | 'operator' | 'test';
  messageId?: string;
  messageType?: string;
  idempotencyKey?: string;
  /** W3C trace context of the producer, when it sent one. */
  traceparent?: string;
  /** The job this one replays. */
  replayOf?: string;
}

export interface JobContext {
  readonly jobId: string;
  readonly queue: string;
  /** 1 on the first try. */
  readonly attempt: number;
  /** How many times this job has been started, stalled runs included (1 on the first start). */
  readonly starts: number;
  readonly maxAttempts: number;
  readonly meta: JobMeta;
  /**
   * The same on every run of this job — retries, and the re-run another worker starts when this
   * one's lock lapsed — and different for any other job, even one added later under the same id
   * (a replay). Give it to receivers that can drop repeats, so an at-least-once re-run does not
   * cause its effect twice.
   */
  readonly idempotencyKey: string;
  /** Aborted on timeout, cancellation and shutdown: stop work and clean up. */
  readonly signal: AbortSignal;
  readonly log: Logger;
  /** Report progress (0-100, or an object) to the job. */
  progress(value: number | Record<string, unknown>): Promise<void>;
  /**
   * Run these jobs as children of this one (a BullMQ flow): each retries on its own, and this
   * job completes when all children have. Returns only after the children were added; the
   * processor should return right after, and is called again once every child has completed
   * (with `ctx.childrenDone` set). Ids must be deterministic so a re-run does not duplicate.
   */
  spawnChildren<N extends JobName>(children: ReadonlyArray<{ name: N; id: string; data: JobData<N> }>): Promise<void>;
  /** True on the run after the children spawned by an earlier run have all completed. */
  readonly childrenDone: boolean;
  /**
   * Confirm, just before an effect that must not happen twice, that this run still owns the job
   * (its lock). Throws `JOB_LOCK_LOST` when another worker has taken it over (this process
   * stalled: a blocked event loop, a pause, a partition) — the other run does the effect.
   */
  fence(): Promise<void>;
}

export type ProcessorFn<N extends JobName> = (data: JobData<N>, ctx: JobContext) => Promise<unknown>;

/**
 * Exactly one processor per job of the pool: a missing or an extra one is a compile error.
 */
export type ProcessorMap<P extends Pool> = { readonly [N in JobNamesOf<P>]: ProcessorFn<N> };
