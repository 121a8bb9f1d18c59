/**
 * Domain errors. Processors throw these; the worker runner maps them onto BullMQ.
 * Classification is by `name`, never `instanceof`, so a copy of this module loaded twice
 * (or an error that crossed a process boundary) is still recognised.
 */
export interface ErrorOptions {
  code?: string;
  cause?: unknown;
}

/** Retrying cannot help: bad input, a missing object, a 4xx that is not 429. */
export class PermanentError extends Error {
  override readonly name = 'PermanentError';
  readonly code: string;
  constructor(message = 'the job cannot succeed; it will not be retried', options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? 'JOB_PERMANENT';
  }
}

/** A dependency failed; try again later with backoff. Any unknown error is treated the same. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly code: string;
  constructor(message = 'a dependency failed; the job will be retried', options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? 'JOB_RETRYABLE';
  }
}

/** The provider asked us to slow down: pause the job's queue for `retryAfterMs`; no attempt is used. */
export class RateLimitedError extends Error {
  override readonly name = 'RateLimitedError';
  readonly code: string;
  readonly retryAfterMs: number;
  constructor(retryAfterMs: number, message = 'rate limited by the provider', options: ErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = options.code ?? 'JOB_RATE_LIMITED';
    this.retryAfterMs = Math.max(0, Math.ceil(retryAfterMs));
  }
}

export type ErrorKind = 'permanent' | 'retryable' | 'rate-limited';

/** Classify any thrown value by name: unknown errors are retryable. */
export function classifyError(err: unknown): ErrorKind {
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  if (name === 'PermanentError' || name === 'UnrecoverableError') return 'permanent';
  if (name === 'RateLimitedError') return 'rate-limited';
  return 'retryable';
}

/** The error code carried by a thrown value (`code` property), or a fallback by kind. */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.length > 0 && code.length <= 64) return code;
  }
  const kind = classifyError(err);
  return kind === 'permanent' ? 'JOB_PERMANENT' : kind === 'rate-limited' ? 'JOB_RATE_LIMITED' : 'JOB_RETRYABLE';
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'string') return err;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}
