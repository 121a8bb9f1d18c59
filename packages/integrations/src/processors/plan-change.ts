import { jobIdFor, type JobContext, type JobData } from '@fable-jobs/contracts';
import type { MainApiClient } from '../clients/main-api.ts';

const norm = (plan: string) => plan.trim().toUpperCase();

/**
 * A plan change locks (new plan SOLO) or unlocks the org's demos, then republishes each demo
 * the main API server changed as its own child job: one failed republish retries alone, and this
 * job completes once every child has.
 */
export function planChangeProcessors(mainApi: MainApiClient) {
  return {
    planChange: async (data: JobData<'integrations.plan-change'>, ctx: JobContext) => {
      if (ctx.childrenDone) return { republishedAll: true };
      if (norm(data.beforePlan) === norm(data.afterPlan)) return { skipped: 'plan unchanged', plan: data.afterPlan };
      const shouldLock = norm(data.afterPlan) === 'SOLO';
      const rids = [...new Set(await mainApi.lockDemos(data.orgId, shouldLock, ctx.signal))];
      ctx.log.info({ orgId: data.orgId, shouldLock, changed: rids.length }, shouldLock ? 'demos locked' : 'demos unlocked');
      if (rids.length > 0) {
        await ctx.spawnChildren(rids.map((rid) => ({ name: 'integrations.republish-demo' as const, id: jobIdFor(`${ctx.jobId}/republish/${rid}`), data: { rid, orgId: data.orgId } })));
      }
      return { shouldLock, republished: rids.length };
    },
    republish: async (data: JobData<'integrations.republish-demo'>, ctx: JobContext) => {
      await mainApi.republish(data.rid, ctx.signal);
      return { rid: data.rid };
    },
  };
}
