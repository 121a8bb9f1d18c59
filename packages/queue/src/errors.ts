import { UnrecoverableError } from 'bullmq';
import { classifyError, errorCode, errorMessage } from '@fable-jobs/contracts';

export { PermanentError, RateLimitedError, RetryableError, classifyError, errorCode, errorMessage } from '@fable-jobs/contracts';

/** The processor ran longer than its job's timeoutMs; retried like any dependency failure. */
export class JobTimeoutError extends Error {
  override readonly name = 'JobTimeoutError';
  readonly code = 'JOB_TIMEOUT';
  constructor(ms: number) {
    super(`the run took longer than ${ms} ms and was aborted`);
  }
}

/**
 * A final failure for BullMQ (no more retries) whose message carries the code, so
 * `job.failedReason` reads `CODE: what happened`.
 */
export function toUnrecoverable(err: unknown, scrub: (s: string) => string): UnrecoverableError {
  const u = new UnrecoverableError(scrub(`${errorCode(err)}: ${errorMessage(err)}`));
  (u as UnrecoverableError & { code?: string }).code = errorCode(err);
  return u;
}

/** A retryable error with a scrubbed `CODE: message` (secrets never reach Redis). */
export function toRetryable(err: unknown, scrub: (s: string) => string): Error {
  const e = new Error(scrub(`${errorCode(err)}: ${errorMessage(err)}`));
  e.name = typeof err === 'object' && err !== null && typeof (err as Error).name === 'string' ? (err as Error).name : 'Error';
  (e as Error & { code?: string }).code = errorCode(err);
  if (err instanceof Error && err.stack) e.stack = scrub(`${e.name}: ${e.message}\n${err.stack.split('\n').slice(1).join('\n')}`);
  return e;
}

/** Code from a BullMQ failedReason written by this runner (`CODE: ...`). */
export function codeFromReason(reason: string | undefined): string {
  const m = /^([A-Z][A-Z0-9_]{2,63}):/.exec(reason ?? '');
  return m?.[1] ?? (classifyError({ name: reason }) === 'permanent' ? 'JOB_PERMANENT' : 'JOB_RETRYABLE');
}
