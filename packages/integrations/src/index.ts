import { PermanentError, type ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics } from '@fable-jobs/runtime';

export interface IntegrationsDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

// Placeholder until the integrations pool lands: every job fails permanently with a clear code.
const notBuilt = async (): Promise<never> => {
  throw new PermanentError('the integrations pool is not built yet', { code: 'JOB_NOT_IMPLEMENTED' });
};

/** Processors of the integrations pool. */
export function createIntegrationsProcessors(_deps: IntegrationsDeps): ProcessorMap<'integrations'> {
  return {
    'integrations.slack-notify': notBuilt,
    'integrations.mailchimp-upsert': notBuilt,
    'integrations.cobalt-linked-account': notBuilt,
    'integrations.tenant-webhook': notBuilt,
    'integrations.smartlead-lead': notBuilt,
    'integrations.cobalt-contact-refresh': notBuilt,
    'integrations.cobalt-demo-activity': notBuilt,
    'integrations.plan-change': notBuilt,
    'integrations.republish-demo': notBuilt,
  };
}
