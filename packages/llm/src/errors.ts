import type { LlmErrorCode } from '@fable-jobs/contracts';

// The llm domain's codes live in the fleet's catalogue (contracts/src/error-codes/llm.ts).
export { LLM_ERROR_CODES, type LlmErrorCode } from '@fable-jobs/contracts';

/** An error with a code and an HTTP status for the API to answer with (message safe to show). */
export class ServiceError extends Error {
  override readonly name = 'ServiceError';
  readonly code: LlmErrorCode;
  readonly status: number;
  constructor(code: LlmErrorCode, status: number, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.status = status;
  }
}
