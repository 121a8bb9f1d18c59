import Type from 'typebox';
import { defineJob } from '../job-definition.ts';

/**
 * LLM work is enqueued by the API (not by SQS): one queue, so one global rate limit covers
 * every operation. Job data holds references (S3 keys, run id), never secrets or outputs.
 */
export const llmJobs = [
  defineJob({
    name: 'llm.run',
    pool: 'llm',
    description: 'Run one /v1/f/llmops operation against the model (tool call forced) and record the run.',
    schema: Type.Object(
      {
        runId: Type.String({ minLength: 1, maxLength: 64 }),
        type: Type.String({ minLength: 1, maxLength: 64 }),
      },
      { additionalProperties: Type.Unknown() },
    ),
    limiter: { max: 50, durationMs: 60_000 },
  }),
] as const;
