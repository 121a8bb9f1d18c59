import Type from 'typebox';
import { ANALYTICS_KINDS, type AnalyticsKind } from '../jobs/analytics.ts';
import { defineMessage, type RouteTarget } from '../message-definition.ts';

const Payload = Type.Object({ job: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

export const triggerAnalytics = defineMessage({
  type: 'TRIGGER_ANALYTICS_JOB',
  description: 'Run one analytics job kind now: {"type":"TRIGGER_ANALYTICS_JOB","data":{"job":KIND}} (legacy: attribute `job`).',
  schema: Payload,
  routes: (to) => {
    const cases = {} as Record<AnalyticsKind, RouteTarget<Type.Static<typeof Payload>>[]>;
    for (const [kind, job] of Object.entries(ANALYTICS_KINDS) as [AnalyticsKind, (typeof ANALYTICS_KINDS)[AnalyticsKind]][]) {
      cases[kind] = [to(job, () => ({ kind, trigger: 'sqs' as const }))];
    }
    return { by: 'job', select: (p) => p.job, cases };
  },
});
