import { RateLimitedError } from '@fable-jobs/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EffectsRepo, JobRunsRepo, LegacyJobsRepo, ProcessingStatus } from '@fable-jobs/db';
import { PoolRunner, QueueSet, StatusRecorder, enqueue, InvalidJobDataError, systemProcessors } from '../src/index.ts';
import { Scrubber, type JobOverride } from '@fable-jobs/runtime';
import { createHarness, until, waitForJob, type Harness } from '@fable-jobs/testing';

let h: Harness;
let queues: QueueSet;
let runner: PoolRunner;
let status: StatusRecorder;

async function start(overrides: Record<string, JobOverride> = {}, processors = systemProcessors({ effects: new EffectsRepo(h.mysql) })) {
  queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides });
  status = new StatusRecorder(new JobRunsRepo(h.mysql), h.log, { intervalMs: 20 });
  runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, legacyJobs: new LegacyJobsRepo(h.mysql), status, scrubber: new Scrubber(['canary-secret-value']) }).add('system', processors);
  await runner.start();
}

beforeEach(async () => {
  h = await createHarness();
});
afterEach(async () => {
  await runner?.forceClose();
  await status?.close();
  await queues?.close();
  await h.close();
});

const legacyRow = async (key: string) => h.mysql('jobs').where({ job_key: key }).first();
const newKey = () => `legacy-${h.prefix}-${Math.random().toString(36).slice(2)}`;

describe('worker runner', () => {
  it('moves the legacy jobs row Touched → InProcess → Processed with info, and records the run', async () => {
    await start();
    const key = newKey();
    await h.mysql('jobs').insert({ job_type: 'TRANSCODE_VIDEO', job_key: key, processing_status: ProcessingStatus.Touched });
    const job = await enqueue(queues, { name: 'system.noop', data: { key, sleepMs: 400, note: 'n' }, jobId: 'row-1', meta: { source: 'test', messageId: 'm-1' } });
    await until(async () => (await legacyRow(key))?.processing_status === ProcessingStatus.InProcess, { what: 'InProcess' });
    await waitForJob(queues.get('system.noop'), job.id ?? '', 'completed', { connection: h.producer });
    const row = await legacyRow(key);
    expect(row.processing_status).toBe(ProcessingStatus.Processed);
    expect(typeof row.info === 'string' ? JSON.parse(row.info) : row.info).toEqual({ key, sleepMs: 400, note: 'n', ok: true });
    expect(row.failure_reason).toBeNull();
    await status.flush();
    expect(await new JobRunsRepo(h.mysql).get('system.noop', 'row-1')).toMatchObject({ state: 'completed', attempts: 1, message_id: 'm-1', source: 'test', legacy_key: key });
  });

  it('a permanent failure fails at once: no retries, the row Failed with a readable reason', async () => {
    await start();
    const key = newKey();
    await h.mysql('jobs').insert({ job_type: 'X', job_key: key, processing_status: 1 });
    const job = await enqueue(queues, { name: 'system.noop', data: { key, fail: 'permanent' }, jobId: 'perm-1' });
    const failed = await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toBe('SYSTEM_REQUESTED_FAILURE: permanent failure requested (attempt 1)');
    expect(await legacyRow(key)).toMatchObject({ processing_status: ProcessingStatus.Failed, failure_reason: 'SYSTEM_REQUESTED_FAILURE: permanent failure requested (attempt 1)' });
  });

  it('a retryable failure is retried with backoff and can then succeed', async () => {
    await start({ 'system.noop': { backoffMs: 20 } });
    const job = await enqueue(queues, { name: 'system.noop', data: { fail: 'retryable', failTimes: 2 }, jobId: 'retry-1' });
    const done = await waitForJob(queues.get('system.noop'), job.id ?? '', 'completed', { connection: h.producer });
    expect(done.attemptsMade).toBe(3);
    expect(await h.metrics.registry.getSingleMetricAsString('fable_jobs_retried_total')).toMatch(/queue="system.noop".* 2/);
  });

  it('retries run out: failed after the configured attempts, the row Failed', async () => {
    await start({ 'system.noop': { backoffMs: 10, attempts: 2 } });
    const key = newKey();
    await h.mysql('jobs').insert({ job_type: 'X', job_key: key, processing_status: 1 });
    const job = await enqueue(queues, { name: 'system.noop', data: { key, fail: 'retryable' }, jobId: 'retry-2' });
    const failed = await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    expect(failed.attemptsMade).toBe(2);
    expect((await legacyRow(key)).failure_reason).toBe('SYSTEM_REQUESTED_FAILURE: retryable failure requested (attempt 2)');
  });

  it('invalid job data is refused at enqueue, and fails without retries when it reaches a worker', async () => {
    await start();
    await expect(enqueue(queues, { name: 'system.noop', data: { sleepMs: -5 } })).rejects.toBeInstanceOf(InvalidJobDataError);
    const raw = await queues.get('system.noop').add('system.noop', { sleepMs: 'soon' }, { jobId: 'bad-data' });
    const failed = await waitForJob(queues.get('system.noop'), raw.id ?? '', 'failed', { connection: h.producer });
    expect(failed.attemptsMade).toBe(1);
    expect(failed.failedReason).toMatch(/^JOB_INVALID_DATA: system.noop: \/sleepMs: must be integer/);
  });

  it('a rate-limited job on a queue with a limiter pauses the queue without using an attempt', async () => {
    const calls: string[] = [];
    const at: number[] = [];
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    let limited!: () => void;
    const wasLimited = new Promise<void>((r) => (limited = r));
    await start({ 'system.noop': { concurrency: 1, limiter: { max: 1000, durationMs: 1000 } } }, {
      ...base,
      'system.noop': async (data, ctx) => {
        calls.push(ctx.jobId);
        at.push(Date.now());
        if (calls.length === 1) {
          limited();
          return base['system.noop']({ ...data, fail: 'rate-limited' }, ctx);
        }
        return { calls: calls.length };
      },
    });
    const job = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'rl-1' });
    await wasLimited;
    const other = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'rl-2' });
    const done = await waitForJob(queues.get('system.noop'), job.id ?? '', 'completed', { connection: h.producer });
    await waitForJob(queues.get('system.noop'), other.id ?? '', 'completed', { connection: h.producer });
    expect(done.attemptsMade).toBe(1);
    // The whole queue paused for the provider's Retry-After (300 ms): whichever ran next, the
    // other job or the retry, started after it.
    expect([...calls].sort()).toEqual(['rl-1', 'rl-1', 'rl-2']);
    expect((at[1] ?? 0) - (at[0] ?? 0)).toBeGreaterThanOrEqual(250);
  });

  it('a rate-limited job on a queue without a limiter waits alone: the queue keeps running, no attempt used', async () => {
    const calls: string[] = [];
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    await start({ 'system.noop': { concurrency: 1 } }, {
      ...base,
      'system.noop': async (_data, ctx) => {
        calls.push(ctx.jobId);
        if (ctx.jobId === 'rl-alone') throw new RateLimitedError(60_000, 'provider says wait a minute');
        return { ok: true };
      },
    });
    const limited = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'rl-alone' });
    await until(() => calls.length === 1, { what: 'first run' });
    // A paused queue would hold this one for the whole minute.
    const other = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'rl-other' });
    await waitForJob(queues.get('system.noop'), other.id ?? '', 'completed', { connection: h.producer });
    expect(await limited.getState()).toBe('delayed');
    const again = await queues.get('system.noop').getJob('rl-alone');
    expect(again?.attemptsMade).toBe(0);
    expect((again?.delay ?? 0) + (again?.timestamp ?? 0)).toBeGreaterThan(Date.now() + 50_000);
    expect(calls).toEqual(['rl-alone', 'rl-other']);
  });

  it('a run past its timeout is aborted and fails with JOB_TIMEOUT', async () => {
    await start({ 'system.noop': { timeoutMs: 200, attempts: 1 } });
    const job = await enqueue(queues, { name: 'system.noop', data: { sleepMs: 60_000 }, jobId: 'slow-1' });
    const failed = await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    expect(failed.failedReason).toBe('JOB_TIMEOUT: the run took longer than 200 ms and was aborted');
    expect((failed.finishedOn ?? 0) - (failed.processedOn ?? 0)).toBeLessThan(5000);
  });

  it('secrets in error messages never reach Redis or MySQL', async () => {
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    await start({ 'system.noop': { attempts: 1 } }, {
      ...base,
      'system.noop': async () => {
        throw new Error('upstream said: bad key canary-secret-value');
      },
    });
    const job = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'secret-1' });
    const failed = await waitForJob(queues.get('system.noop'), job.id ?? '', 'failed', { connection: h.producer });
    expect(failed.failedReason).toBe('JOB_RETRYABLE: upstream said: bad key [REDACTED]');
    expect(JSON.stringify(failed.stacktrace)).not.toContain('canary-secret-value');
    await status.flush();
    expect((await new JobRunsRepo(h.mysql).get('system.noop', 'secret-1'))?.['error']).toBe('JOB_RETRYABLE: upstream said: bad key [REDACTED]');
  });

  it('fair share: a flood of one tenant does not starve another, and each tenant runs at most 2 at once', async () => {
    const active = new Map<string, number>();
    const peak = new Map<string, number>();
    const startedAt = new Map<string, number>();
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    await start({}, {
      ...base,
      'system.noop': async (data, ctx) => {
        const t = data.tenant ?? '-';
        active.set(t, (active.get(t) ?? 0) + 1);
        peak.set(t, Math.max(peak.get(t) ?? 0, active.get(t) ?? 0));
        startedAt.set(ctx.jobId, Date.now());
        try {
          return await base['system.noop'](data, ctx);
        } finally {
          active.set(t, (active.get(t) ?? 0) - 1);
        }
      },
    });
    const queue = queues.get('system.noop');
    await Promise.all(Array.from({ length: 10 }, (_, b) => Promise.all(Array.from({ length: 50 }, (_, i) => enqueue(queues, { name: 'system.noop', data: { tenant: 'A', sleepMs: 100 }, jobId: `a-${b}-${i}` })))));
    await until(async () => (active.get('A') ?? 0) > 0, { what: 'A running' });
    const enqueuedB = Date.now();
    await enqueue(queues, { name: 'system.noop', data: { tenant: 'B' }, jobId: 'b-1' });
    await waitForJob(queue, 'b-1', 'completed', { connection: h.producer });
    const waitedMs = (startedAt.get('b-1') ?? Infinity) - enqueuedB;
    expect(waitedMs).toBeLessThan(2000);
    expect(peak.get('A')).toBe(2);
    expect(await queue.getWaitingCount() + (await queue.getPrioritizedCount()) + (await queue.getDelayedCount())).toBeGreaterThan(300);
  });

  it('stopIntake: a job enqueued after intake stopped is not started, even by a fetch blocked in BZPOPMIN', async () => {
    // Concurrency 2: while A runs, the free slot sits in a blocking BZPOPMIN on the queue's marker.
    // Pausing alone leaves that call in flight, and the marker of a job enqueued afterwards wakes it.
    let release!: () => void;
    const released = new Promise<void>((r) => (release = r));
    const started: string[] = [];
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    await start({ 'system.noop': { concurrency: 2 } }, {
      ...base,
      'system.noop': async (_data, ctx) => {
        started.push(ctx.jobId);
        if (ctx.jobId === 'intake-a') await released;
        return {};
      },
    });
    const a = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'intake-a' });
    await until(() => started.length === 1, { what: 'A running' });
    await runner.stopIntake();
    const b = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'intake-b' });
    release();
    await runner.drain(new AbortController().signal); // waits for every job this runner started
    expect(await a.getState()).toBe('completed');
    expect(await b.getState()).toBe('waiting');
    expect(started).toEqual(['intake-a']);
  });

  it('fence: a run whose lock another worker took refuses to cause its effect', async () => {
    let stolen!: () => void;
    const lockStolen = new Promise<void>((r) => (stolen = r));
    const outcome: string[] = [];
    const base = systemProcessors({ effects: new EffectsRepo(h.mysql) });
    await start({}, {
      ...base,
      'system.noop': async (_data, ctx) => {
        await ctx.fence(); // still ours
        outcome.push('first fence passed');
        await lockStolen;
        try {
          await ctx.fence();
          outcome.push('effect');
        } catch (err) {
          outcome.push((err as { code?: string }).code ?? 'error');
        }
        return {};
      },
    });
    const job = await enqueue(queues, { name: 'system.noop', data: {}, jobId: 'fence-1' });
    await until(() => outcome.length === 1, { what: 'running' });
    // As if this process had stalled and another worker had picked the job up.
    await h.producer.set(`${h.prefix}:system.noop:${job.id}:lock`, 'another-worker-token', 'PX', 30_000);
    stolen();
    await until(() => outcome.length === 2, { what: 'second fence' });
    expect(outcome).toEqual(['first fence passed', 'JOB_LOCK_LOST']);
  });
});
