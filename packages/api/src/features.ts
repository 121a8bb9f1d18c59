import type { S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import type { Knex } from '@fable-jobs/db';
import { DemoIndexCache, LlmRunsRepo, MainApiClient, SpeechService } from '@fable-jobs/llm';
import type { QueueSet } from '@fable-jobs/queue';
import { createRedis, createS3Client, type Config, type Logger } from '@fable-jobs/runtime';
import type { BackgroundTasks } from './background.ts';
import { JobWaiter } from './llm/job-waiter.ts';
import { LlmSettlement } from './llm/settle.ts';
import { frontendRoutes } from './routes/frontend.ts';
import { slackRoutes } from './routes/slack.ts';
import { PlatformRepo } from './slack/platform-repo.ts';
import { SlackApi } from './slack/slack-api.ts';
import { DemoUnfurler } from './slack/unfurl.ts';

export interface FeatureDeps {
  config: Config;
  log: Logger;
  queues: QueueSet;
  mysql: Knex;
  /** Client of the asset bucket (demo indexes, voice-overs); default from config. */
  s3?: S3Client | undefined;
  /** Work finished after a response; drained when the app closes. */
  background: BackgroundTasks;
}

/**
 * The product routes: `/v1/f/llmops`, `/v1/f/aud/gen` (JWT) and the Slack hooks (signed by
 * Slack), with what they share — the run store, the job waiter, the main API client and the
 * background tasks that finish after a response (drained when the app closes).
 */
export async function featureRoutes(app: FastifyInstance, deps: FeatureDeps): Promise<void> {
  const { config, log, queues, mysql, background } = deps;
  const runs = new LlmRunsRepo(mysql);
  const mainApi = config.integrations.apiServerEndpoint ? new MainApiClient({ baseUrl: config.integrations.apiServerEndpoint, timeoutMs: config.llm.mainApiTimeoutMs, log }) : undefined;
  if (!mainApi) log.warn('API_SERVER_ENDPOINT is not set: llm runs are not reported, credits are not deducted, audio goes to the asset bucket');
  const s3 = deps.s3 ?? createS3Client(config, { region: config.s3.assetBucketRegion ?? config.s3.region });

  // QueueEvents blocks on its connection: it gets its own, never the producer's.
  const blocking = createRedis(config.redis, 'worker');
  blocking.on('error', (err) => log.debug({ err: err.message }, 'redis (llm job waiter) connection error'));
  const waiter = new JobWaiter(queues, 'llm.run', blocking);
  await waiter.ready();

  app.addHook('onClose', async () => {
    const left = await background.drain(10_000);
    if (left) log.warn({ tasks: left }, 'closing with background tasks still running (credits of unfinished runs are settled by later status polls)');
    await waiter.close();
    await blocking.quit().catch(() => blocking.disconnect());
  });

  await app.register(frontendRoutes, {
    prefix: '/v1/f',
    config,
    log,
    redis: queues.connection,
    queues,
    runs,
    waiter,
    settlement: new LlmSettlement({ runs, mainApi, log }),
    background,
    speech: new SpeechService({ config, log, s3, indexes: new DemoIndexCache(s3, config.s3.assetBucket, { ttlMs: config.llm.demoIndexCacheMs }), mainApi }),
    mainApi,
  });

  const { llm, integrations } = config;
  const slack = {
    config,
    log,
    redis: queues.connection,
    background,
    platform: new PlatformRepo(mysql, { users: llm.platformUsersTable, orgs: llm.platformOrgsTable, userOrgs: llm.platformUserOrgsTable, subscriptions: llm.platformSubscriptionsTable }),
    unfurler: new DemoUnfurler({
      slack: integrations.slackBotToken ? new SlackApi({ baseUrl: llm.slackApiBaseUrl, token: integrations.slackBotToken, timeoutMs: llm.mainApiTimeoutMs }) : undefined,
      mainApi,
      log,
      timeoutMs: llm.mainApiTimeoutMs,
    }),
  };
  await app.register(slackRoutes, { prefix: '/v1/slack', ...slack });
  await app.register(slackRoutes, { prefix: '/v1/f/slack', ...slack });
}
