/** Codes of the LLM pool and the /v1/f/llmops and /v1/f/aud/gen routes. */
export const LLM_ERROR_CODES = {
  LLM_BAD_INPUT: 'The request cannot run as sent: a screen image is missing, unreadable or too large, or the payload does not fit the operation.',
  LLM_RUN_NOT_FOUND: 'The job refers to a run id with no row in llm_runs.',
  LLM_NO_ACCOUNTS: 'No Anthropic account is configured (ANTHORIPC_KEY is empty).',
  LLM_RATE_LIMITED: 'The pool-wide requests/tokens per minute budget is spent; the queue pauses until it refills.',
  LLM_UPSTREAM_RATE_LIMITED: 'Every Anthropic account answered 429; the queue pauses for the shortest retry-after.',
  LLM_UPSTREAM_UNAVAILABLE: 'Every Anthropic account failed (529 overloaded, 5xx, connection error, timeout); retried with backoff.',
  LLM_ACCOUNTS_REFUSED: 'Every Anthropic account refused the key (401/403) or reached its spend limit; an operator must act.',
  LLM_UPSTREAM_REJECTED: 'Anthropic rejected the request itself (400/404/413/422): retrying cannot help.',
  LLM_TOOL_INPUT_INVALID: 'The model answered with a tool input that does not match the schema, twice (one corrective retry).',
  TTS_BAD_INPUT: 'The speech request cannot run as sent: unknown entity, empty or too long text, or a voice the API refuses.',
  TTS_UPSTREAM_FAILED: 'OpenAI speech failed (429, 5xx, connection error, timeout).',
  TTS_STORE_FAILED: 'The audio could not be stored (upload link, upload or asset bucket).',
  MAIN_API_FAILED: 'A call to the main API server failed.',
} as const;

export type LlmErrorCode = keyof typeof LLM_ERROR_CODES;
