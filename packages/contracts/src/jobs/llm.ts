import Type from 'typebox';
import { defineJob } from '../job-definition.ts';
import { LLM_OPERATION_NAMES } from '../llm/operations.ts';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/**
 * LLM work is enqueued by the API (not by SQS): one queue, so one global rate limit covers
 * every operation. Job data holds references only: the run id (its row holds the input, with
 * images as S3 keys) — never secrets, images or outputs (the output is the return value and
 * the run row).
 */
export const llmJobs = [
  defineJob({
    name: 'llm.run',
    pool: 'llm',
    description: 'Run one /v1/f/llmops operation against the model (tool call forced) and record the run.',
    schema: Type.Object(
      {
        runId: Type.String({ pattern: '^[A-Za-z0-9-]{8,64}$' }),
        type: Type.Enum(LLM_OPERATION_NAMES, { type: 'string' }),
      },
      { additionalProperties: false },
    ),
    // No job-count limiter: the pool-wide limit is on what a job costs — model requests and
    // tokens per minute in Redis token buckets (LLM_REQUESTS_PER_MINUTE, LLM_TOKENS_PER_MINUTE),
    // which pause this queue (RateLimitedError) instead of failing a burst.
    // A run is one model call (plus account fallbacks and one corrective retry), each bounded
    // by LLM_REQUEST_TIMEOUT_MS: failures are retried once, then reported.
    attempts: 2,
    timeoutMs: 5 * MINUTE,
    lockDurationMs: MINUTE,
    concurrency: 32,
  }),
] as const;
