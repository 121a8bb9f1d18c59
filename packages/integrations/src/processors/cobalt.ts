import { PermanentError, type JobContext, type JobData } from '@fable-jobs/contracts';
import type { CobaltClient } from '../clients/cobalt.ts';
import { stableUuid } from '../webhooks/signing.ts';

type Activity = JobData<'integrations.cobalt-contact-refresh'>;

/** Numbers may arrive as strings (SQS attributes); numeric strings become numbers, the rest stays. */
function num(v: unknown): unknown {
  return typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v;
}

/** lastActiveAt (epoch ms, numeric string or ISO date) truncated to 00:00 UTC, as epoch ms. */
export function utcMidnight(v: unknown): number | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const n = num(v);
  const ms = typeof n === 'number' ? n : Date.parse(String(n));
  if (!Number.isFinite(ms)) throw new PermanentError(`lastActiveAt ${JSON.stringify(v)} is not a date`, { code: 'COBALT_INVALID_PAYLOAD' });
  return new Date(ms).setUTCHours(0, 0, 0, 0);
}

export function contactRefreshPayload(a: Activity, eventId: string): Record<string, unknown> {
  return {
    email: a.email,
    ctaClickRate: num(a.ctaClickRate),
    demoCompletion: num(a.demoCompletion),
    totalTimeSpent: num(a.totalTimeSpent),
    demoUniqueViews: num(a.demoUniqueViews),
    demoTotalViews: num(a.demoTotalViews),
    lastActiveAt: utcMidnight(a.lastActiveAt),
    ourEventId: eventId,
  };
}

export function demoActivityPayload(a: Activity, eventId: string): Record<string, unknown> {
  return {
    email: a.email,
    activityUrl: a.activityUrl,
    demoName: a.demoName,
    totalTimeSpent: num(a.totalTimeSpent),
    completionPercentage: num(a.demoCompletion),
    ourEventId: eventId,
  };
}

export function cobaltProcessors(cobalt: CobaltClient) {
  return {
    linkedAccount: async (data: JobData<'integrations.cobalt-linked-account'>, ctx: JobContext) => {
      const { created } = await cobalt.createLinkedAccount(data.orgId, ctx.signal);
      if (!created) ctx.log.info({ orgId: data.orgId }, 'Cobalt linked account already existed');
      return { linkedAccountId: data.orgId, created };
    },
    // Event ids come from the job id (the SQS message), so a retry sends the same id again.
    contactRefresh: async (data: Activity, ctx: JobContext) => {
      const eventId = stableUuid(ctx.queue, ctx.jobId);
      await cobalt.sendEvent(String(data.orgId), 'REFRESH_CONTACT_PROPERTIES', contactRefreshPayload(data, eventId), ctx.signal);
      return { event: 'REFRESH_CONTACT_PROPERTIES', eventId };
    },
    demoActivity: async (data: Activity, ctx: JobContext) => {
      const eventId = stableUuid(ctx.queue, ctx.jobId);
      await cobalt.sendEvent(String(data.orgId), 'ACTIVITY_ON_DEMO', demoActivityPayload(data, eventId), ctx.signal);
      return { event: 'ACTIVITY_ON_DEMO', eventId };
    },
  };
}
