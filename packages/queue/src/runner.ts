import { SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { DelayedError, Worker, WaitingChildrenError, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import {
  META_KEY,
  classifyError,
  errorCode,
  errorMessage,
  isRecord,
  registry,
  type JobContext,
  type JobMeta,
  type Pool,
  type ProcessorFn,
  type ProcessorMap,
} from '@fable-jobs/contracts';
import type { LegacyJobsRepo } from '@fable-jobs/db';
import { ReferenceClock, TRACER_NAME, lazyChild, sleep, type Logger, type Metrics, type Scrubber } from '@fable-jobs/runtime';
import { codeFromReason, JobTimeoutError, toRetryable, toUnrecoverable } from './errors.ts';
import { fairnessKey } from './enqueue.ts';
import { deferralDelayMs } from './fairness.ts';
import { limiterOf, workerOptions } from './job-options.ts';
import type { QueueSet } from './queues.ts';
import type { StatusRecorder } from './status-recorder.ts';

export interface RunnerDeps {
  /** Worker-role connection (maxRetriesPerRequest: null); BullMQ duplicates it for blocking reads. */
  connection: Redis;
  /** Producer side: rate limits, child jobs. */
  queues: QueueSet;
  log: Logger;
  metrics?: Metrics | undefined;
  legacyJobs?: LegacyJobsRepo | undefined;
  status?: StatusRecorder | undefined;
  scrubber?: Scrubber | undefined;
  stalledIntervalMs?: number | undefined;
  maxStalledCount?: number | undefined;
}

type AnyProcessor = ProcessorFn<never>;

interface Entry {
  name: string;
  pool: Pool;
  processor: AnyProcessor;
  worker?: Worker;
}

/**
 * Runs the processors of one or more pools: one BullMQ Worker per job name, each wrapping its
 * processor with validation, a child logger, an AbortSignal (timeout, cancel, shutdown),
 * progress, legacy `jobs` status and error mapping (by error name).
 */
export class PoolRunner {
  readonly #deps: RunnerDeps;
  readonly #entries = new Map<string, Entry>();
  readonly #scrub: (s: string) => string;
  /** Set when the queues trace: each processor call is then a span (outbound calls nest under it). */
  readonly #tracer: Tracer | undefined;
  #started = false;
  #clock: ReferenceClock | undefined;

  constructor(deps: RunnerDeps) {
    this.#deps = deps;
    const scrubber = deps.scrubber;
    this.#scrub = scrubber ? (s) => scrubber.scrub(s) : (s) => s;
    this.#tracer = deps.queues.telemetry ? trace.getTracer(TRACER_NAME) : undefined;
  }

  /** Bind a pool's processors; exactly the pool's jobs (the type demands it; checked again here). */
  add<P extends Pool>(pool: P, processors: ProcessorMap<P>): this {
    const expected = new Set(registry.jobsOfPool(pool).map((j) => j.name));
    const given = Object.keys(processors);
    const extra = given.filter((n) => !expected.has(n));
    const missing = [...expected].filter((n) => !given.includes(n));
    if (extra.length || missing.length) {
      throw new Error(`pool ${pool}: processors do not match the catalogue (missing: ${missing.join(', ') || '-'}; extra: ${extra.join(', ') || '-'})`);
    }
    for (const name of given) {
      this.#entries.set(name, { name, pool, processor: (processors as unknown as Record<string, AnyProcessor>)[name] as AnyProcessor });
    }
    return this;
  }

  get jobNames(): string[] {
    return [...this.#entries.keys()];
  }

  workers(): Worker[] {
    return [...this.#entries.values()].flatMap((e) => (e.worker ? [e.worker] : []));
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    this.#clock = new ReferenceClock(this.#deps.connection).start();
    await this.#clock.sync().catch(() => {});
    for (const entry of this.#entries.values()) {
      const resolved = this.#deps.queues.resolved(entry.name);
      const worker = new Worker(entry.name, (job, token, signal) => this.#run(entry, job, token, signal), {
        connection: this.#deps.connection,
        prefix: this.#deps.queues.prefix,
        ...workerOptions(resolved),
        stalledInterval: this.#deps.stalledIntervalMs ?? 30_000,
        maxStalledCount: this.#deps.maxStalledCount ?? 2,
        autorun: false,
        ...(this.#deps.queues.telemetry ? { telemetry: this.#deps.queues.telemetry } : {}),
      });
      this.#listen(entry, worker);
      entry.worker = worker;
    }
    for (const e of this.#entries.values()) void e.worker?.run().catch((err) => this.#deps.log.error({ queue: e.name, err: (err as Error).message }, 'worker stopped'));
    await Promise.all(this.workers().map((w) => w.waitUntilReady()));
    this.#deps.log.info({ jobs: this.jobNames.length, pools: [...new Set([...this.#entries.values()].map((e) => e.pool))] }, 'workers started');
  }

  /**
   * Shutdown phase 1: stop fetching new jobs; running ones continue.
   *
   * `pause(true)` only stops the fetch loop from starting new fetches: a free slot's BZPOPMIN
   * already blocked on the queue's marker stays in flight, and the marker of a job enqueued
   * afterwards wakes it and moves that job to active (BullMQ checks `paused` before the wait, not
   * after it). Disconnecting the worker's dedicated blocking connection — what `close()` does
   * first — ends that wait, so once this resolves no job enqueued later is started here.
   */
  async stopIntake(): Promise<void> {
    await Promise.all(this.workers().map(async (w) => {
      await w.pause(true);
      await w.backend.disconnectBlocking(true);
    }));
  }

  /** Shutdown phase 2: wait for running jobs; when `deadline` fires, abort them and close. */
  async drain(deadline: AbortSignal): Promise<void> {
    this.#clock?.stop();
    const workers = this.workers();
    const onDeadline = () => {
      this.#deps.log.warn('shutdown deadline reached: aborting running jobs (they will be retried)');
      for (const w of workers) w.cancelAllJobs('shutdown deadline');
    };
    if (deadline.aborted) onDeadline();
    else deadline.addEventListener('abort', onDeadline, { once: true });
    try {
      await Promise.all(workers.map((w) => w.close()));
    } finally {
      deadline.removeEventListener('abort', onDeadline);
    }
  }

  /** Close at once without waiting for running jobs (they stall and are retried elsewhere). */
  async forceClose(): Promise<void> {
    this.#clock?.stop();
    await Promise.all(this.workers().map((w) => w.close(true)));
  }

  #listen(entry: Entry, worker: Worker): void {
    const { metrics, status, log } = this.#deps;
    const q = entry.name;
    worker.on('active', (job) => {
      const meta = metaOf(job);
      if (job.attemptsMade === 0 && job.processedOn) {
        const due = job.timestamp + (job.opts.delay ?? 0);
        metrics?.jobWaitSeconds.observe({ queue: q }, Math.max(0, job.processedOn - due) / 1000);
      }
      status?.record({
        queue: q,
        jobId: job.id ?? '?',
        state: 'active',
        attempts: job.attemptsMade + 1,
        messageId: meta.messageId,
        source: meta.source,
        legacyKey: this.#legacyKey(entry.name, job.data),
        enqueuedAt: new Date(job.timestamp),
        startedAt: new Date(job.processedOn ?? Date.now()),
      });
    });
    worker.on('completed', (job) => {
      const ms = job.finishedOn && job.processedOn ? job.finishedOn - job.processedOn : undefined;
      metrics?.jobsCompleted.inc({ queue: q });
      if (ms !== undefined) metrics?.jobRunSeconds.observe({ queue: q }, ms / 1000);
      status?.record({ queue: q, jobId: job.id ?? '?', state: 'completed', attempts: job.attemptsMade, finishedAt: new Date(job.finishedOn ?? Date.now()), durationMs: ms });
    });
    worker.on('failed', (job, err) => {
      if (!job) return;
      const final = err?.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1) || job.finishedOn !== undefined;
      const code = (err as { code?: string })?.code ?? codeFromReason(job.failedReason);
      const stalled = /stalled/i.test(err?.message ?? '');
      metrics?.jobsFailed.inc({ queue: q, code: stalled ? 'JOB_STALLED' : code, final: String(final) });
      if (!final) metrics?.jobsRetried.inc({ queue: q });
      status?.record({
        queue: q,
        jobId: job.id ?? '?',
        state: final ? 'failed' : 'retrying',
        attempts: job.attemptsMade,
        errorCode: stalled ? 'JOB_STALLED' : code,
        error: this.#scrub(err?.message ?? job.failedReason ?? ''),
        finishedAt: new Date(),
      });
      // Failures the wrapper did not see (stalled too often) still reach the legacy row.
      if (final && stalled) {
        const key = this.#legacyKey(entry.name, job.data);
        if (key) void this.#deps.legacyJobs?.markFailed(key, `JOB_STALLED: ${err.message}`).catch(() => {});
      }
    });
    worker.on('stalled', (jobId) => {
      metrics?.jobsStalled.inc({ queue: q });
      log.warn({ queue: q, jobId }, 'job stalled (its worker died or blocked); handing it on');
    });
    worker.on('error', (err) => log.error({ queue: q, err: err.message }, 'worker error'));
    // A lock this worker could not renew belongs to someone else now: stop the run (ctx.signal).
    worker.on('lockRenewalFailed', (jobIds: string[]) => {
      for (const id of jobIds) worker.cancelJob(id, 'lock lost');
      log.warn({ queue: q, jobIds }, 'job locks lost (stalled process?): cancelling those runs');
    });
  }

  #legacyKey(name: string, data: unknown): string | undefined {
    const field = registry.job(name).legacyKeyField;
    if (!field || !isRecord(data)) return undefined;
    const v = data[field];
    return typeof v === 'string' && v.length > 0 ? v : undefined;
  }

  async #run(entry: Entry, job: Job, token: string | undefined, bullSignal: AbortSignal | undefined): Promise<unknown> {
    const { queues, legacyJobs } = this.#deps;
    const resolved = queues.resolved(entry.name);
    const raw = isRecord(job.data) ? job.data : {};
    const { [META_KEY]: rawMeta, ...payload } = raw;
    const meta: JobMeta & { childrenSpawned?: boolean } = isRecord(rawMeta) ? (rawMeta as unknown as JobMeta) : { source: 'api' };
    const attempt = job.attemptsMade + 1;
    const maxAttempts = job.opts.attempts ?? 1;
    const legacyKey = this.#legacyKey(entry.name, payload);
    const log = lazyChild(this.#deps.log, { queue: entry.name, jobId: job.id, attempt, ...(meta.messageId ? { messageId: meta.messageId } : {}) });

    // A delayed job promoted early (this host's clock runs ahead of the fleet's): hold it until due
    // by the reference clock. Re-delaying would not help: this worker would promote it again.
    const dueAt = job.timestamp + (job.opts.delay ?? 0);
    const early = job.attemptsMade === 0 && (job.opts.delay ?? 0) > 0 && this.#clock ? dueAt - this.#clock.now() : 0;
    if (early > 250) {
      log.warn({ earlyMs: early, clockOffsetMs: this.#clock?.offsetMs }, 'delayed job started before it was due (this host clock runs ahead?): waiting until due');
      await sleep(early, bullSignal);
    }

    const valid = registry.validateJob(entry.name, payload);
    if (!valid.ok) {
      const err = Object.assign(new Error(valid.reason), { code: 'JOB_INVALID_DATA' });
      if (legacyKey) await legacyJobs?.markFailed(legacyKey, this.#scrub(`JOB_INVALID_DATA: ${valid.reason}`));
      throw toUnrecoverable(err, this.#scrub);
    }

    // Fair share: over its key's cap, the job goes back (not an attempt) with a growing delay.
    const fairness = registry.job(entry.name).fairness;
    const fairKey = fairness ? fairnessKey(entry.name, payload) : undefined;
    let leaseTimer: NodeJS.Timeout | undefined;
    if (fairness && fairKey !== undefined) {
      const ttl = resolved.lockDuration * 2;
      const held = await queues.fairness.acquire(entry.name, fairKey, job.id ?? '', fairness.maxActivePerKey, ttl);
      if (!held) {
        const deferrals = Math.max(0, (job.attemptsStarted ?? 1) - job.attemptsMade - 1);
        await job.moveToDelayed(Date.now() + deferralDelayMs(deferrals), token);
        throw new DelayedError();
      }
      leaseTimer = setInterval(() => void queues.fairness.acquire(entry.name, fairKey, job.id ?? '', fairness.maxActivePerKey, ttl).catch(() => {}), Math.max(1000, ttl / 3));
    }
    let settled = false;
    const settleFairness = async (finished: boolean) => {
      if (fairKey === undefined || settled) return;
      settled = true;
      clearInterval(leaseTimer);
      await queues.fairness.release(entry.name, fairKey, job.id ?? '').catch(() => {});
      if (finished) await queues.fairness.done(entry.name, fairKey).catch(() => {});
    };

    if (legacyKey && legacyJobs && !meta.childrenSpawned) {
      const found = await legacyJobs.markInProcess(legacyKey);
      if (!found) log.warn({ legacyKey }, 'no `jobs` row with this job_key; running the job anyway');
    }

    const controller = new AbortController();
    const onCancel = () => controller.abort(bullSignal?.reason ?? new Error('cancelled'));
    if (bullSignal?.aborted) onCancel();
    bullSignal?.addEventListener('abort', onCancel, { once: true });

    const ctx: JobContext = {
      jobId: job.id ?? '',
      queue: entry.name,
      attempt,
      starts: job.attemptsStarted ?? attempt,
      maxAttempts,
      meta,
      idempotencyKey: `${entry.name}:${job.id ?? ''}:${job.timestamp}`,
      signal: controller.signal,
      log,
      progress: (value) => job.updateProgress(value),
      childrenDone: meta.childrenSpawned === true,
      fence: async () => {
        if (controller.signal.aborted) throw lockLost(job, 'the run was cancelled');
        if (!token) return;
        if ((await job.extendLock(token, resolved.lockDuration)) !== 1) throw lockLost(job, 'another worker holds its lock now');
      },
      spawnChildren: async (children) => {
        for (const c of children) {
          const r = registry.validateJob(c.name, c.data);
          if (!r.ok) throw Object.assign(new Error(r.reason), { name: 'PermanentError', code: 'JOB_INVALID_DATA' });
        }
        await Promise.all(
          children.map(async (c) => {
            const data = { ...(c.data as Record<string, unknown>), [META_KEY]: { source: meta.source, messageId: meta.messageId, parent: `${entry.name}/${job.id}` } };
            const child = await queues.get(c.name).add(c.name, data, { jobId: c.id, parent: { id: job.id ?? '', queue: job.queueQualifiedName }, failParentOnFailure: true });
            queues.index?.added(c.name, child.id, data);
          }),
        );
        await job.updateData({ ...raw, [META_KEY]: { ...meta, childrenSpawned: true } });
        if (token && (await job.moveToWaitingChildren(token))) throw new WaitingChildrenError();
      },
    };

    let result: unknown;
    try {
      result = await this.#traced(entry.name, job, attempt, meta, async () => {
        const run = entry.processor(payload as never, ctx);
        return resolved.timeoutMs ? await withTimeout(run, resolved.timeoutMs, controller) : await run;
      });
    } catch (err) {
      if ((err as Error)?.name === 'WaitingChildrenError') {
        await settleFairness(false);
        throw err;
      }
      const kind = classifyError(err);
      if (kind === 'rate-limited') {
        await settleFairness(false);
        const ms = (err as { retryAfterMs?: number }).retryAfterMs ?? 1000;
        if (limiterOf(resolved)) {
          log.warn({ retryAfterMs: ms }, 'rate limited by the provider: pausing the queue');
          await queues.get(entry.name).rateLimit(ms);
          throw Worker.RateLimitError();
        }
        // Without a limiter BullMQ would ignore a queue pause: hold back this job alone (not an attempt).
        log.warn({ retryAfterMs: ms }, 'rate limited: retrying this job after Retry-After (the queue has no limiter, so it is not paused)');
        await job.moveToDelayed(Date.now() + ms, token);
        throw new DelayedError();
      }
      const final = kind === 'permanent' || attempt >= maxAttempts;
      await settleFairness(final);
      const reason = this.#scrub(`${errorCode(err)}: ${errorMessage(err)}`);
      log[final ? 'error' : 'warn']({ code: errorCode(err), err: this.#scrub(errorMessage(err)), final }, final ? 'job failed' : 'job attempt failed; will retry');
      if (final && legacyKey) await legacyJobs?.markFailed(legacyKey, reason).catch((e: Error) => log.error({ err: e.message }, 'could not mark the jobs row failed'));
      throw kind === 'permanent' ? toUnrecoverable(err, this.#scrub) : toRetryable(err, this.#scrub);
    } finally {
      bullSignal?.removeEventListener('abort', onCancel);
    }

    try {
      if (legacyKey && legacyJobs) {
        await legacyJobs.markProcessed(legacyKey, { ...payload, ...(isRecord(result) ? result : {}) });
      }
      await settleFairness(true);
    } finally {
      await settleFairness(false);
    }
    return result;
  }

  /** The processor call as a span under BullMQ's `process` span: ids, attempt, error code and scrubbed message; never job data. */
  async #traced<T>(name: string, job: Job, attempt: number, meta: JobMeta, fn: () => Promise<T>): Promise<T> {
    const tracer = this.#tracer;
    if (!tracer) return fn();
    const attributes = {
      'bullmq.job.name': name,
      'bullmq.job.id': job.id ?? '',
      'fable.job.attempt': attempt,
      'fable.job.source': meta.source,
      ...(meta.messageId ? { 'messaging.message.id': meta.messageId } : {}),
      ...(meta.messageType ? { 'fable.message.type': meta.messageType } : {}),
    };
    return tracer.startActiveSpan(`run ${name}`, { kind: SpanKind.INTERNAL, attributes }, async (span: Span) => {
      try {
        return await fn();
      } catch (err) {
        if ((err as Error)?.name !== 'WaitingChildrenError') {
          span.setAttribute('error.type', errorCode(err));
          span.setStatus({ code: SpanStatusCode.ERROR, message: this.#scrub(errorMessage(err)) });
        }
        throw err;
      } finally {
        span.end();
      }
    });
  }
}

function lockLost(job: Job, why: string): Error {
  return Object.assign(new Error(`job ${job.queueName}/${job.id} lost its lock: ${why}`), { name: 'RetryableError', code: 'JOB_LOCK_LOST' });
}

function metaOf(job: Job): JobMeta {
  const m = isRecord(job.data) ? job.data[META_KEY] : undefined;
  return isRecord(m) ? (m as unknown as JobMeta) : { source: 'api' };
}

async function withTimeout<T>(run: Promise<T>, ms: number, controller: AbortController): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new JobTimeoutError(ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
