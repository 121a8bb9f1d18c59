import type { S3Client } from '@aws-sdk/client-s3';
import type { MessageCreateParamsNonStreaming, MessageParam } from '@anthropic-ai/sdk/resources/messages';
import { LLM_OPERATIONS, PermanentError, RateLimitedError, classifyError, errorCode, errorMessage, type AssistantMessage, type JobContext, type LlmOperation } from '@fable-jobs/contracts';
import type { Config, Logger } from '@fable-jobs/runtime';
import type { AnthropicCaller, CallAttempt, CallResult } from './anthropic/caller.ts';
import { loadScreenImages } from './images.ts';
import { recordUsage, type LlmMetrics } from './metrics.ts';
import { addUsage, costUsd, ZERO_USAGE, type TokenUsage } from './pricing.ts';
import { buildRequest, estimateInputTokens } from './prompt.ts';
import type { ModelRateLimiter } from './rate-limiter.ts';
import type { AttemptRow, LlmRunsRepo } from './runs-repo.ts';
import { assistantMessage, checkToolOutput } from './tool-output.ts';

export interface LlmRunDeps {
  config: Config;
  log: Logger;
  runs: LlmRunsRepo;
  caller: AnthropicCaller;
  limiter: ModelRateLimiter;
  s3: S3Client;
  metrics: LlmMetrics;
}

/** What `llm.run` returns (the job's return value): the answer the route sends back. */
export interface LlmRunResult {
  runId: string;
  message: AssistantMessage;
}

/**
 * The `llm.run` processor: load the run, build the request (system prompt, forced tool, tagged
 * sections, screen images from the private bucket), take the pool-wide budget, call the model
 * with account fallback, validate the tool input (one corrective retry), and record everything.
 */
export function createLlmRun(deps: LlmRunDeps) {
  const { config, runs, caller, limiter, s3, metrics } = deps;
  const prices = config.llm.pricing;

  return async function llmRun(data: { runId: string; type: string }, ctx: JobContext): Promise<LlmRunResult> {
    const started = performance.now();
    const run = await runs.get(data.runId);
    if (!run) throw new PermanentError(`run ${data.runId} does not exist`, { code: 'LLM_RUN_NOT_FOUND' });
    // A redelivered job of a finished run answers from the row instead of paying twice.
    if (run.status === 'succeeded' && run.output) return { runId: run.id, message: run.output };
    const op = run.type as LlmOperation;
    const refs = LLM_OPERATIONS[op].images === 'none' ? [] : (run.input.refsForMMV ?? []);

    // The budget first, before any read or write: a burst held back costs one Redis call per try.
    const firstReserve = estimateInputTokens(op, run.input, refs.length) + config.llm.maxTokens;
    const wait = await limiter.acquire(firstReserve);
    if (wait > 0) throw new RateLimitedError(wait, `the llm pool budget (${config.llm.requestsPerMinute} requests, ${config.llm.tokensPerMinute} tokens per minute) is spent`, { code: 'LLM_RATE_LIMITED' });
    // Off the critical path: awaited before the run is finished either way.
    const running = runs.markRunning(run.id);
    running.catch(() => {});

    const attempts: AttemptRow[] = [];
    const settling: Array<Promise<void>> = [];
    let usage: TokenUsage = ZERO_USAGE;
    let seq = 0;
    let lastAccount: string | undefined;

    const call = async (params: MessageCreateParamsNonStreaming, kind: 'call' | 'correction', estimate: number): Promise<CallResult> => {
      const reserve = kind === 'call' ? firstReserve : estimate + params.max_tokens;
      // A correction finishes a run already under way: it goes into debt rather than waiting.
      if (kind === 'correction') await limiter.acquire(reserve, { force: true });
      const record = (a: CallAttempt) => {
        attempts.push({ runId: run.id, jobAttempt: ctx.attempt, seq: ++seq, kind, account: a.account, outcome: a.outcome, httpStatus: a.httpStatus, errorType: a.errorType, requestId: a.requestId, usage: a.usage, durationMs: a.durationMs });
        lastAccount = a.account;
        if (a.usage) usage = addUsage(usage, a.usage);
      };
      try {
        const result = await caller.call(params, { thread: run.thread, signal: ctx.signal, onAttempt: record });
        settling.push(limiter.settle(reserve, result.usage.input + result.usage.output + result.usage.cacheWrite + result.usage.cacheRead));
        return result;
      } catch (err) {
        settling.push(limiter.settle(reserve, 0).catch(() => {}));
        throw err;
      }
    };

    try {
      if (refs.length > config.llm.maxImages) throw new PermanentError(`${refs.length} screen images; at most ${config.llm.maxImages} per request`, { code: 'LLM_BAD_INPUT' });
      const images = refs.length ? await loadScreenImages(s3, config.llm.privateBucket, refs, { maxBytes: config.llm.maxImageBytes, signal: ctx.signal }) : [];
      const built = buildRequest(op, run.input, images, { model: run.model, maxTokens: config.llm.maxTokens });

      let result = await call(built.params, 'call', built.estimatedInputTokens);
      let check = checkToolOutput(built.tool, result.message, run.input);
      if (!check.ok) {
        (attempts.at(-1) as AttemptRow).outcome = 'invalid_output';
        ctx.log.warn({ runId: run.id, tool: built.tool, problem: check.reason }, 'tool input does not match its schema: one corrective retry');
        const correction: MessageParam[] = [
          { role: 'assistant', content: result.message.content },
          {
            role: 'user',
            content: check.toolUseId
              ? [{ type: 'tool_result', tool_use_id: check.toolUseId, is_error: true, content: `The input does not match the tool's schema: ${check.reason}. Call ${built.tool} again with a corrected, complete input.` }]
              : [{ type: 'text', text: `You did not call the ${built.tool} tool. Call it now with a complete input.` }],
          },
        ];
        result = await call({ ...built.params, messages: [...built.params.messages, ...correction] }, 'correction', built.estimatedInputTokens * 2);
        check = checkToolOutput(built.tool, result.message, run.input);
        if (!check.ok) {
          (attempts.at(-1) as AttemptRow).outcome = 'invalid_output';
          throw new PermanentError(`the model's ${built.tool} input is invalid after one corrective retry: ${check.reason}`, { code: 'LLM_TOOL_INPUT_INVALID' });
        }
      }

      const message = assistantMessage(result.message);
      const cost = costUsd(run.model, usage, prices);
      await running;
      await Promise.all([
        ...settling,
        runs.addAttempts(attempts),
        runs.finish(run.id, { status: 'succeeded', account: result.account, output: message }, { usage, costUsd: cost, attempts: attempts.length, durationMs: Math.round(performance.now() - started) }),
      ]);
      recordUsage(metrics, op, usage, cost);
      return { runId: run.id, message };
    } catch (err) {
      const cost = costUsd(run.model, usage, prices);
      recordUsage(metrics, op, usage, cost);
      const kind = classifyError(err);
      const final = kind === 'permanent' || (kind === 'retryable' && ctx.attempt >= ctx.maxAttempts);
      await Promise.allSettled([running, ...settling]);
      await runs.addAttempts(attempts).catch((e: Error) => ctx.log.error({ err: e.message }, 'could not record llm attempts'));
      if (final) {
        await runs.finish(run.id, { status: 'failed', account: lastAccount, errorCode: errorCode(err), error: errorMessage(err) }, { usage, costUsd: cost, attempts: attempts.length, durationMs: Math.round(performance.now() - started) });
      } else {
        await runs.addUsage(run.id, { usage, costUsd: cost, attempts: attempts.length });
        // Every account answered 429: the run waits in the queue again.
        if (kind === 'rate-limited') await runs.requeue(run.id);
      }
      throw err;
    }
  };
}
