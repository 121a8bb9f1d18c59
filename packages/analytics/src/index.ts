import { PermanentError, type ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics } from '@fable-jobs/runtime';

export interface AnalyticsDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

// Placeholder until the analytics pool lands: every job fails permanently with a clear code.
const notBuilt = async (): Promise<never> => {
  throw new PermanentError('the analytics pool is not built yet', { code: 'JOB_NOT_IMPLEMENTED' });
};

/** Processors of the analytics pool. */
export function createAnalyticsProcessors(_deps: AnalyticsDeps): ProcessorMap<'analytics'> {
  return {
    'analytics.refresh-entity-metrics': notBuilt,
    'analytics.refresh-daily-entity-metrics': notBuilt,
    'analytics.calculate-entity-sub-entity-metrics': notBuilt,
    'analytics.update-house-lead': notBuilt,
    'analytics.calculate-house-lead-metrics': notBuilt,
    'analytics.activity-dt-data-truncate': notBuilt,
  };
}
