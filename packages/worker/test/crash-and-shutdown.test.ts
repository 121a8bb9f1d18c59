import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { EffectsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet, enqueue } from '@fable-jobs/queue';
import { createHarness, spawnCli, until, waitForJob, type Harness, type Proc } from '@fable-jobs/testing';
import { systemProcessors } from '@fable-jobs/queue';


let h: Harness;
let proc: Proc | undefined;
let child: ChildProcess | undefined;
afterEach(async () => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
  if (proc && proc.child.exitCode === null) proc.child.kill('SIGKILL');
  await proc?.exited;
  proc = undefined;
  await h.close();
});

describe('worker processes', () => {
  it('a worker killed with SIGKILL mid-job: the job completes exactly once through stalled recovery', async () => {
    h = await createHarness();
    const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
    h.defer(() => queues.close());
    // A bare worker process (the system pool only); stalled checks every 500 ms fleet-wide.
    child = spawn(process.execPath, [fileURLToPath(new URL('./child-worker.ts', import.meta.url))], {
      env: { ...process.env, BULLMQ_PREFIX: h.prefix, WORKER_STALLED_INTERVAL_MS: '500', JOB_OVERRIDES: '{"system.effect":{"lockDurationMs":3000}}' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise((resolve, reject) => {
      child?.stdout?.once('data', resolve);
      child?.once('exit', (code) => reject(new Error(`child worker exited early (${code})`)));
    });
    const effectKey = `kill-${h.prefix}`;
    const job = await enqueue(queues, { name: 'system.effect', data: { effectKey, sleepMs: 3000 }, jobId: 'kill-1' });
    await until(async () => (await job.getState()) === 'active', { what: 'job active in the child' });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child?.once('exit', (_code, signal) => resolve(signal)));
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');

    // Another worker picks the job up once the dead worker's lock (3 s here) lapses.
    const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, stalledIntervalMs: 500 }).add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
    await runner.start();
    h.defer(() => runner.forceClose());
    const done = await waitForJob(queues.get('system.effect'), 'kill-1', 'completed', { connection: h.producer, timeoutMs: 30_000 });
    expect(done.returnvalue).toEqual({ recorded: effectKey });
    const effects = new EffectsRepo(h.mysql);
    expect((await effects.counts(effectKey)).get(effectKey)).toBe(1);
    // Killed before its effect: the only run that reached the receiver is the second one.
    expect((await effects.tallies(effectKey)).get(effectKey)?.executions).toBe(1);
  });

  it('SIGTERM: the running job finishes, no new job starts, the process exits 0', async () => {
    h = await createHarness();
    const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
    h.defer(() => queues.close());
    proc = spawnCli(['worker', '--pool', 'system'], { BULLMQ_PREFIX: h.prefix });
    await proc.waitForLine(/workers started/);
    const a = await enqueue(queues, { name: 'system.effect', data: { effectKey: `term-a-${h.prefix}`, sleepMs: 1500 }, jobId: 'term-a' });
    await until(async () => (await a.getState()) === 'active', { what: 'job A active' });
    proc.child.kill('SIGTERM');
    await proc.waitForLine(/"phase":"intake".*shutdown phase complete/);
    const b = await enqueue(queues, { name: 'system.effect', data: { effectKey: `term-b-${h.prefix}` }, jobId: 'term-b' });
    expect(await proc.exited).toEqual({ code: 0, signal: null });
    expect(await a.getState()).toBe('completed');
    expect(await b.getState()).toBe('waiting');
    const effects = await new EffectsRepo(h.mysql).counts(`term-`);
    expect(effects.get(`term-a-${h.prefix}`)).toBe(1);
    expect(effects.get(`term-b-${h.prefix}`)).toBeUndefined();
  });
});
