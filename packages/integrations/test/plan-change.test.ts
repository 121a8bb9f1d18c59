import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobIdFor } from '@fable-jobs/contracts';
import { SECRETS, startStack, type Stack } from './stack.ts';

let s: Stack;
beforeAll(async () => {
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
});

const PLAN = 'integrations.plan-change';
const REPUB = 'integrations.republish-demo';
const newOrg = () => String(1000 + Math.floor(Math.random() * 1e8));
const lockCalls = (org: string) => s.fakes.mainApi.received((r) => r.path === '/v1/lock' && String((r.json as { orgId?: unknown })?.orgId) === org);
const repubs = (rid: string) => s.fakes.mainApi.received(`GET /v1/repub/entity/rid/${rid}`);

describe('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', () => {
  it('does nothing when the plan did not change', async () => {
    const org = newOrg();
    const jobId = await s.send('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', { orgIdStr: org, beforePlan: 'STARTUP', afterPlan: 'STARTUP' });
    const job = await s.waitFor(PLAN, jobId, 'completed');
    expect(job.returnvalue).toEqual({ skipped: 'plan unchanged', plan: 'STARTUP' });
    expect(lockCalls(org)).toHaveLength(0);
  });

  it('locks on a move to SOLO and republishes each changed demo as a child; a failed child retries alone and the parent completes after all', async () => {
    const org = newOrg();
    const rids = [`${org}-a`, `${org}-b`, `${org}-c`];
    s.fakes.mainApi.lockAnswers.set(org, rids);
    s.fakes.mainApi.script(`GET /v1/repub/entity/rid/${rids[1]}`, { status: 500, body: { status: 'Failure', data: null, errStr: 'publish failed', errCode: 100 } });
    const jobId = await s.send('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', { orgIdStr: org, beforePlan: 'STARTUP', afterPlan: 'SOLO' });
    const parent = await s.waitFor(PLAN, jobId, 'completed');
    expect(parent.returnvalue).toEqual({ republishedAll: true });

    const [lock, ...again] = lockCalls(org);
    expect(again).toHaveLength(0);
    expect(lock?.method).toBe('POST');
    expect(lock?.json).toEqual({ orgId: Number(org), shouldLock: true });
    expect(lock?.headers['x-fable-service-token']).toBe(SECRETS.apiServerToken);
    expect(rids.map((rid) => repubs(rid).length)).toEqual([1, 2, 1]);

    for (const [i, rid] of rids.entries()) {
      const child = await s.queues.get(REPUB).getJob(jobIdFor(`${jobId}/republish/${rid}`));
      expect(child?.data).toMatchObject({ rid, orgId: org });
      expect(await child?.getState()).toBe('completed');
      expect(child?.attemptsMade).toBe(i === 1 ? 2 : 1);
      expect(child?.parentKey).toContain(jobId);
    }
    // The last child finished before the parent did.
    const lastRepublish = Math.max(...rids.flatMap((rid) => repubs(rid).map((r) => r.at)));
    expect(parent.finishedOn ?? 0).toBeGreaterThanOrEqual(lastRepublish);
  });

  it('unlocks on a move away from SOLO', async () => {
    const org = newOrg();
    s.fakes.mainApi.lockAnswers.set(org, [`${org}-x`]);
    const jobId = await s.send('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', { orgIdStr: org, beforePlan: 'SOLO', afterPlan: 'BUSINESS' }, { format: 'json' });
    await s.waitFor(PLAN, jobId, 'completed');
    expect(lockCalls(org).map((r) => r.json)).toEqual([{ orgId: Number(org), shouldLock: false }]);
    expect(repubs(`${org}-x`)).toHaveLength(1);
  });

  it('fails the parent when a child fails for good', async () => {
    const org = newOrg();
    const rid = `${org}-gone`;
    s.fakes.mainApi.lockAnswers.set(org, [rid]);
    s.fakes.mainApi.script(`GET /v1/repub/entity/rid/${rid}`, { status: 404, body: { status: 'Failure', data: null, errStr: 'Tour not found', errCode: 101 } });
    const jobId = await s.send('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', { orgIdStr: org, beforePlan: 'STARTUP', afterPlan: 'SOLO' });
    const child = await s.waitFor(REPUB, jobIdFor(`${jobId}/republish/${rid}`), 'failed');
    expect(child.failedReason).toBe(`MAIN_API_NOT_FOUND: main API server GET /v1/repub/entity/rid/${rid} answered 404 Failure: Tour not found`);
    await s.waitFor(PLAN, jobId, 'failed');
    expect(repubs(rid)).toHaveLength(1);
  });
});
