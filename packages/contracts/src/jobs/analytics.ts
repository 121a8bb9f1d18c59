import Type from 'typebox';
import { defineJob } from '../job-definition.ts';

/** The analytics job kinds producers send in `{"type":"TRIGGER_ANALYTICS_JOB","data":{"job":KIND}}`, and the job each runs as. */
export const ANALYTICS_KINDS = {
  REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW: 'analytics.refresh-entity-metrics',
  REFRESH_DAILY_ENTITY_METRICS: 'analytics.refresh-daily-entity-metrics',
  CALCULATE_ENTITY_SUB_ENTITY_METRICS: 'analytics.calculate-entity-sub-entity-metrics',
  UPDATE_HOUSE_LEAD: 'analytics.update-house-lead',
  CALCULATE_HOUSE_LEAD_METRICS: 'analytics.calculate-house-lead-metrics',
  ACTIVITY_DT_DATA_TRUNCATE: 'analytics.activity-dt-data-truncate',
} as const;
export type AnalyticsKind = keyof typeof ANALYTICS_KINDS;

const AnalyticsPayload = Type.Object(
  {
    // A string, not the kind literal: the processor refuses a foreign kind with a clear reason (ANALYTICS_UNKNOWN_KIND).
    kind: Type.String({ minLength: 1, maxLength: 64 }),
    /** Who asked: an SQS trigger, the scheduler, or an operator. */
    trigger: Type.Optional(Type.Union([Type.Literal('sqs'), Type.Literal('schedule'), Type.Literal('operator')])),
  },
  { additionalProperties: false },
);

// Pool defaults apply: concurrency 1, 5 attempts with exponential backoff from 10 s, 30 min timeout,
// and coalesce (a trigger while one waits or runs is dropped into it).
const analytics = <const N extends string>(name: N, description: string) =>
  defineJob({ name, pool: 'analytics', description, schema: AnalyticsPayload });

export const analyticsJobs = [
  analytics('analytics.refresh-entity-metrics', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics'),
  analytics('analytics.refresh-daily-entity-metrics', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_metrics_daily'),
  analytics('analytics.calculate-entity-sub-entity-metrics', 'REFRESH MATERIALIZED VIEW CONCURRENTLY al.entity_subentity_distribution'),
  analytics('analytics.update-house-lead', 'al.update_house_lead(lo, hi) then al.update_house_lead_metrics(lo, hi), in one transaction'),
  analytics('analytics.calculate-house-lead-metrics', 'al.update_house_lead_metrics(lo, hi)'),
  analytics('analytics.activity-dt-data-truncate', 'al.remove_duplicates_activity_dt(lo, hi): delete duplicate activity rows ingested in the window'),
] as const;
