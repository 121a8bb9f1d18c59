import { afterEach, describe, expect, it } from 'vitest';
import { JobKeysRepo, JobRunsRepo } from '@fable-jobs/db';
import { createHarness, type Harness } from '@fable-jobs/testing';
import { RetentionSweeper } from '../src/index.ts';

let h: Harness;
afterEach(async () => {
  await h.mysql('job_runs').where('queue', `q-${h.prefix}`).delete();
  await h.mysql('job_keys').where('queue', `q-${h.prefix}`).delete();
  await h.close();
});

const DAY = 86_400_000;

describe('record retention', () => {
  it('deletes finished job runs and search entries past the retention, keeps live and recent ones; one process per interval', async () => {
    h = await createHarness();
    const queue = `q-${h.prefix}`;
    const now = Date.now();
    const old = new Date(now - 31 * DAY);
    const recent = new Date(now - 29 * DAY);
    await h.mysql('job_runs').insert([
      { queue, job_id: 'old-completed', state: 'completed', attempts: 1, updated_at: old },
      { queue, job_id: 'old-failed', state: 'failed', attempts: 3, updated_at: old },
      { queue, job_id: 'old-active', state: 'active', attempts: 1, updated_at: old },
      { queue, job_id: 'old-retrying', state: 'retrying', attempts: 1, updated_at: old },
      { queue, job_id: 'recent-completed', state: 'completed', attempts: 1, updated_at: recent },
    ]);
    await new JobKeysRepo(h.mysql).add([
      { type: 'org', value: `org-${h.prefix}`, queue, jobId: 'old-completed', createdAt: old },
      { type: 'org', value: `org-${h.prefix}`, queue, jobId: 'recent-completed', createdAt: recent },
    ]);
    const sweeper = (intervalMs: number) =>
      new RetentionSweeper({ runs: new JobRunsRepo(h.mysql), keys: new JobKeysRepo(h.mysql), redis: h.producer, prefix: h.prefix, retentionDays: 30, log: h.log, intervalMs });

    expect(await sweeper(60_000).sweep(now)).toEqual({ runs: 2, keys: 1 });
    const left = await h.mysql('job_runs').where({ queue }).orderBy('job_id').pluck('job_id');
    expect(left).toEqual(['old-active', 'old-retrying', 'recent-completed']);
    expect((await new JobKeysRepo(h.mysql).find('org', `org-${h.prefix}`)).map((k) => k.jobId)).toEqual(['recent-completed']);
    // Another process within the interval: the lock says someone swept already.
    expect(await sweeper(60_000).sweep(now)).toBeUndefined();
  });

  it('a shutdown during a sweep stops it after the current batch of 5,000', async () => {
    h = await createHarness();
    const queue = `q-${h.prefix}`;
    const old = new Date(Date.now() - 40 * DAY);
    const rows = Array.from({ length: 6000 }, (_, i) => ({ queue, job_id: `j-${i}`, state: 'completed', attempts: 1, updated_at: old }));
    for (let i = 0; i < rows.length; i += 1000) await h.mysql('job_runs').insert(rows.slice(i, i + 1000));
    const sweeper = new RetentionSweeper({ runs: new JobRunsRepo(h.mysql), keys: new JobKeysRepo(h.mysql), redis: h.producer, prefix: h.prefix, retentionDays: 30, log: h.log });
    sweeper.start(); // sweeps at once
    await sweeper.stop(); // asked to stop before its first batch returned
    const [row] = await h.mysql('job_runs').where({ queue }).count({ n: '*' });
    expect(Number(row?.['n'])).toBe(1000);
  });
});
