import { PermanentError, type ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics } from '@fable-jobs/runtime';

export interface LlmDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

// Placeholder until the llm pool lands: every job fails permanently with a clear code.
const notBuilt = async (): Promise<never> => {
  throw new PermanentError('the llm pool is not built yet', { code: 'JOB_NOT_IMPLEMENTED' });
};

/** Processors of the llm pool. */
export function createLlmProcessors(_deps: LlmDeps): ProcessorMap<'llm'> {
  return {
    'llm.run': notBuilt,
  };
}
