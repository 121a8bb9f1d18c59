import type { AnalyticsKind, ProcessorMap } from '@fable-jobs/contracts';
import { postgresKnex, type Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics } from '@fable-jobs/runtime';
import { KindRunner } from './kind-runner.ts';
import { analyticsSchedules, type AnalyticsSchedule } from './schedules.ts';
import { analyticsSettings, type AnalyticsSettings } from './settings.ts';

export { ANALYTICS_ERROR_CODES, type AnalyticsErrorCode } from '@fable-jobs/contracts';
export { KINDS, isAnalyticsKind, type KindSpec } from './kinds.ts';
export { KindRunner, type AnalyticsPayload, type RunOutcome } from './kind-runner.ts';
export { analyticsSchedules, type AnalyticsSchedule } from './schedules.ts';
export { analyticsSettings, type AnalyticsSettings, type KindSettings } from './settings.ts';

export interface AnalyticsDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

export interface AnalyticsPool {
  processors: ProcessorMap<'analytics'>;
  /** Every kind's schedule; pass to `upsertSchedules` when the pool starts. */
  schedules: AnalyticsSchedule[];
  settings: AnalyticsSettings;
  /** The pool's own PostgreSQL connection (its role and pool size). */
  knex: Knex;
  close(): Promise<void>;
}

/** The analytics pool: its processors, its schedules and its own PostgreSQL pool (close it at shutdown). */
export function createAnalytics(deps: AnalyticsDeps): AnalyticsPool {
  const settings = analyticsSettings(deps.config);
  const knex = postgresKnex(settings.db, { applicationName: 'fable-jobs:analytics' });
  const runner = new KindRunner({ knex, settings });
  const run = (kind: AnalyticsKind) => (data: { kind: string; trigger?: 'sqs' | 'schedule' | 'operator' }, ctx: Parameters<KindRunner['run']>[2]) =>
    runner.run(kind, data, ctx);
  return {
    processors: {
      'analytics.refresh-entity-metrics': run('REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW'),
      'analytics.refresh-daily-entity-metrics': run('REFRESH_DAILY_ENTITY_METRICS'),
      'analytics.calculate-entity-sub-entity-metrics': run('CALCULATE_ENTITY_SUB_ENTITY_METRICS'),
      'analytics.update-house-lead': run('UPDATE_HOUSE_LEAD'),
      'analytics.calculate-house-lead-metrics': run('CALCULATE_HOUSE_LEAD_METRICS'),
      'analytics.activity-dt-data-truncate': run('ACTIVITY_DT_DATA_TRUNCATE'),
    },
    schedules: analyticsSchedules(settings),
    settings,
    knex,
    close: () => knex.destroy(),
  };
}
