import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import type { Message, MessageCreateParamsNonStreaming } from '@anthropic-ai/sdk/resources/messages';
import { PermanentError, RateLimitedError, RetryableError } from '@fable-jobs/contracts';
import type { AnthropicAccount } from '@fable-jobs/runtime';
import type { TokenUsage } from '../pricing.ts';
import { accountOrder } from './accounts.ts';

export type AttemptOutcome =
  | 'ok'
  | 'rate_limited'
  | 'spend_limited'
  | 'overloaded'
  | 'server_error'
  | 'connection_error'
  | 'auth_error'
  | 'rejected'
  | 'invalid_output';

/** One HTTP call to Anthropic, as recorded in llm_run_attempts. */
export interface CallAttempt {
  account: string;
  outcome: AttemptOutcome;
  httpStatus: number | undefined;
  errorType: string | undefined;
  requestId: string | undefined;
  usage: TokenUsage | undefined;
  durationMs: number;
  /** Seconds the provider asked us to wait (429 retry-after). */
  retryAfterMs?: number | undefined;
}

export interface CallerOptions {
  accounts: readonly AnthropicAccount[];
  baseUrl: string;
  /** The documented `anthropic-version` header value. */
  version: string;
  timeoutMs: number;
}

export interface CallResult {
  message: Message;
  account: string;
  usage: TokenUsage;
}

export function usageOf(message: Pick<Message, 'usage'>): TokenUsage {
  const u = message.usage;
  return { input: u.input_tokens ?? 0, output: u.output_tokens ?? 0, cacheWrite: u.cache_creation_input_tokens ?? 0, cacheRead: u.cache_read_input_tokens ?? 0 };
}

/** Account-level failures move the call to the next account; anything else stops it. */
const NEXT_ACCOUNT: ReadonlySet<AttemptOutcome> = new Set(['rate_limited', 'spend_limited', 'overloaded', 'server_error', 'connection_error', 'auth_error']);

function classify(err: unknown): Omit<CallAttempt, 'account' | 'durationMs' | 'usage'> {
  if (err instanceof APIError && !(err instanceof APIConnectionError) && !(err instanceof APIUserAbortError)) {
    const status = err.status ?? 0;
    const body = err.error as { error?: { type?: string; details?: { error_code?: string } } } | undefined;
    const errorType = err.type ?? body?.error?.type ?? undefined;
    const requestId = err.requestID ?? err.headers?.get('request-id') ?? undefined;
    const base = { httpStatus: status, errorType: errorType ?? undefined, requestId: requestId ?? undefined };
    if (status === 429) {
      const code = err.errorCode ?? body?.error?.details?.error_code;
      if (code === 'enforced_spend_limit_reached') return { ...base, outcome: 'spend_limited' };
      const seconds = Number(err.headers?.get('retry-after'));
      return { ...base, outcome: 'rate_limited', retryAfterMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined };
    }
    if (status === 529) return { ...base, outcome: 'overloaded' };
    if (status >= 500) return { ...base, outcome: 'server_error' };
    if (status === 401 || status === 403) return { ...base, outcome: 'auth_error' };
    return { ...base, outcome: 'rejected' };
  }
  return { outcome: 'connection_error', httpStatus: undefined, errorType: err instanceof Error ? err.name : undefined, requestId: undefined };
}

/**
 * Calls the Messages API through the official SDK with several accounts: a thread starts on
 * its own account and moves to the next on 429, 529, 5xx, connection errors and refused keys.
 * Every HTTP attempt is reported to `onAttempt`. The SDK's own retries are off (we fall back
 * across accounts instead and let BullMQ retry the job).
 */
export class AnthropicCaller {
  readonly #clients: Array<{ account: AnthropicAccount; client: Anthropic }>;
  readonly #timeoutMs: number;

  constructor(opts: CallerOptions) {
    this.#timeoutMs = opts.timeoutMs;
    this.#clients = opts.accounts.map((account) => ({
      account,
      client: new Anthropic({
        apiKey: account.key,
        baseURL: opts.baseUrl,
        maxRetries: 0,
        timeout: opts.timeoutMs,
        logLevel: 'off',
        // The Messages API authenticates API keys with x-api-key and wants the documented
        // anthropic-version; this SDK build sends a bearer token and a newer version instead.
        defaultHeaders: { 'x-api-key': account.key, 'anthropic-version': opts.version, authorization: null },
      }),
    }));
  }

  get accounts(): number {
    return this.#clients.length;
  }

  async call(params: MessageCreateParamsNonStreaming, opts: { thread: string; signal: AbortSignal; onAttempt: (a: CallAttempt) => void }): Promise<CallResult> {
    if (this.#clients.length === 0) throw new PermanentError('no Anthropic account is configured (ANTHORIPC_KEY)', { code: 'LLM_NO_ACCOUNTS' });
    const order = accountOrder(
      this.#clients.map((c) => ({ ...c.account, client: c.client })),
      opts.thread,
    );
    const failures: CallAttempt[] = [];
    for (const { account, client } of order) {
      const started = performance.now();
      try {
        const message = await client.messages.create(params, { signal: opts.signal, timeout: this.#timeoutMs, maxRetries: 0 });
        const usage = usageOf(message);
        const requestId = (message as Message & { _request_id?: string | null })._request_id ?? undefined;
        opts.onAttempt({ account, outcome: 'ok', httpStatus: 200, errorType: undefined, requestId, usage, durationMs: Math.round(performance.now() - started) });
        return { message, account, usage };
      } catch (err) {
        if (opts.signal.aborted || err instanceof APIUserAbortError) throw opts.signal.reason ?? err;
        const attempt: CallAttempt = { ...classify(err), account, usage: undefined, durationMs: Math.round(performance.now() - started) };
        opts.onAttempt(attempt);
        failures.push(attempt);
        if (!NEXT_ACCOUNT.has(attempt.outcome)) {
          throw new PermanentError(`Anthropic rejected the request (HTTP ${attempt.httpStatus ?? '?'} ${attempt.errorType ?? ''})`.trim(), { code: 'LLM_UPSTREAM_REJECTED' });
        }
      }
    }
    throw allFailed(failures);
  }
}

/** Every account failed: pause on rate limits, stop on refused keys/spend caps, else retry. */
function allFailed(failures: CallAttempt[]): Error {
  const summary = failures.map((f) => `${f.account}: ${f.outcome}${f.httpStatus ? ` (${f.httpStatus})` : ''}`).join(', ');
  if (failures.every((f) => f.outcome === 'rate_limited')) {
    const waits = failures.map((f) => f.retryAfterMs ?? 10_000);
    return new RateLimitedError(Math.min(...waits), `every Anthropic account is rate limited (${summary})`, { code: 'LLM_UPSTREAM_RATE_LIMITED' });
  }
  if (failures.every((f) => f.outcome === 'auth_error' || f.outcome === 'spend_limited')) {
    return new PermanentError(`every Anthropic account refused the call (${summary})`, { code: 'LLM_ACCOUNTS_REFUSED' });
  }
  return new RetryableError(`every Anthropic account failed (${summary})`, { code: 'LLM_UPSTREAM_UNAVAILABLE' });
}
