import Type from 'typebox';
import { ANALYTICS_KINDS, type AnalyticsKind } from '../jobs/analytics.ts';
import { defineMessage, type RouteTarget } from '../message-definition.ts';
import { isRecord } from '../util.ts';

const Payload = Type.Object({ job: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });

// The old service read only `job`; other fields or attributes a producer adds are ignored, as there.
const onlyJob = (source: unknown): unknown => (isRecord(source) && source['job'] !== undefined ? { job: source['job'] } : isRecord(source) ? {} : source);

export const triggerAnalytics = defineMessage({
  type: 'TRIGGER_ANALYTICS_JOB',
  description: 'Run one analytics job kind now: {"type":"TRIGGER_ANALYTICS_JOB","data":{"job":KIND}} (legacy: attribute `job`). An unknown kind is dead-lettered (BRIDGE_UNKNOWN_SUBTYPE).',
  schema: Payload,
  fromAttributes: onlyJob,
  fromJson: onlyJob,
  routes: (to) => {
    const cases = {} as Record<AnalyticsKind, RouteTarget<Type.Static<typeof Payload>>[]>;
    for (const [kind, job] of Object.entries(ANALYTICS_KINDS) as [AnalyticsKind, (typeof ANALYTICS_KINDS)[AnalyticsKind]][]) {
      cases[kind] = [to(job, () => ({ kind, trigger: 'sqs' as const }))];
    }
    return { by: 'job', select: (p) => p.job, cases };
  },
});
