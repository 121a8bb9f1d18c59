import { PermanentError, type ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import type { Config, Logger, Metrics } from '@fable-jobs/runtime';

export interface MediaDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
}

// Placeholder until the media pool lands: every job fails permanently with a clear code.
const notBuilt = async (): Promise<never> => {
  throw new PermanentError('the media pool is not built yet', { code: 'JOB_NOT_IMPLEMENTED' });
};

/** Processors of the media pool. */
export function createMediaProcessors(_deps: MediaDeps): ProcessorMap<'media'> {
  return {
    'media.transcode-video': notBuilt,
    'media.transcode-audio': notBuilt,
  };
}
