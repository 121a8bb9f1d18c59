import type { S3Client } from '@aws-sdk/client-s3';
import type { ProcessorMap } from '@fable-jobs/contracts';
import type { Knex } from '@fable-jobs/db';
import { createS3Client, redisOptions, type Config, type Logger, type Metrics } from '@fable-jobs/runtime';
import { Redis } from 'ioredis';
import { AnthropicCaller } from './anthropic/caller.ts';
import { createLlmRun } from './llm-run.ts';
import { llmMetrics } from './metrics.ts';
import { loadAllPrompts } from './prompt.ts';
import { ModelRateLimiter, type RedisClient } from './rate-limiter.ts';
import { LlmRunsRepo } from './runs-repo.ts';

export { AnthropicCaller, usageOf, type CallAttempt, type AttemptOutcome } from './anthropic/caller.ts';
export { accountOrder } from './anthropic/accounts.ts';
export { countAnnotations, creditsFor, speechCredits } from './credits.ts';
export { LLM_ERROR_CODES, ServiceError, type LlmErrorCode } from './errors.ts';
export { keyOf, loadScreenImages, sniffImage } from './images.ts';
export { createLlmRun, type LlmRunResult } from './llm-run.ts';
export { MainApiClient, type RunReport, type RunUpdate } from './main-api-client.ts';
export { llmMetrics, recordUsage } from './metrics.ts';
export { BUILT_IN_PRICES, costUsd, priceOf, type TokenUsage } from './pricing.ts';
export { buildRequest, systemPrompt, tagged } from './prompt.ts';
export { ModelRateLimiter, type RedisClient } from './rate-limiter.ts';
export { LlmRunsRepo, type NewRun, type Run, type RunStatus } from './runs-repo.ts';
export { annotationText, DemoIndexCache, indexKey } from './speech/demo-index.ts';
export { renderSpokenText } from './speech/render-text.ts';
export { looksLikeMp3, MAX_SPEECH_CHARS, SpeechService, type SpeechResult } from './speech/speech-service.ts';
export { assistantMessage, checkToolOutput } from './tool-output.ts';

export interface LlmDeps {
  config: Config;
  log: Logger;
  mysql: Knex;
  postgres: Knex;
  metrics: Metrics;
  /** Redis for the pool-wide model budget; without it the pool opens its own (lazily). */
  redis?: RedisClient | undefined;
  /** Client for the private bucket of screen images (default: from config). */
  s3?: S3Client | undefined;
}

/** A connection of the pool's own, opened on first use and not keeping the process alive. */
function ownRedis(url: string): RedisClient {
  const redis = new Redis({ ...redisOptions(url, 'worker'), lazyConnect: true });
  redis.on('error', () => {});
  redis.on('connect', () => (redis as unknown as { stream?: { unref?: () => void } }).stream?.unref?.());
  return redis;
}

/** Processors of the llm pool. */
export function createLlmProcessors(deps: LlmDeps): ProcessorMap<'llm'> {
  const { config, log } = deps;
  loadAllPrompts();
  if (config.llm.anthropicAccounts.length === 0) log.warn('ANTHORIPC_KEY is empty: llm.run jobs will fail with LLM_NO_ACCOUNTS');
  const run = createLlmRun({
    config,
    log,
    runs: new LlmRunsRepo(deps.mysql),
    caller: new AnthropicCaller({ accounts: config.llm.anthropicAccounts, baseUrl: config.llm.anthropicBaseUrl, version: config.llm.anthropicVersion, timeoutMs: config.llm.requestTimeoutMs }),
    limiter: new ModelRateLimiter(deps.redis ?? ownRedis(config.redis.url), config.redis.prefix, {
      requestsPerMinute: config.llm.requestsPerMinute,
      tokensPerMinute: config.llm.tokensPerMinute,
      burstSeconds: config.llm.rateBurstSeconds,
    }),
    s3: deps.s3 ?? createS3Client(config),
    metrics: llmMetrics(deps.metrics.registry),
  });
  return { 'llm.run': run };
}
