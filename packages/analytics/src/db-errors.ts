import { RetryableError } from '@fable-jobs/contracts';
import type { AnalyticsErrorCode } from '@fable-jobs/contracts';

interface PgErrorLike {
  name?: string;
  message?: string;
  /** SQLSTATE for PostgreSQL errors, errno name for socket errors. */
  code?: string;
  /** PL/pgSQL context: which function and line raised it. */
  where?: string;
  stack?: string;
}

const SOCKET_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
const CONFLICT_STATES = new Set(['40001', '40P01', '55P03']);

function isSqlState(code: string | undefined): code is string {
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

function codeFor(e: PgErrorLike, aborted: boolean): AnalyticsErrorCode | undefined {
  const code = e.code;
  if (e.name === 'KnexTimeoutError' || (code && SOCKET_ERRORS.has(code))) return 'ANALYTICS_DB_UNAVAILABLE';
  if (isSqlState(code)) {
    if (code.startsWith('08') || UNAVAILABLE_STATES.has(code)) return 'ANALYTICS_DB_UNAVAILABLE';
    if (code === '57014') return aborted ? 'ANALYTICS_RUN_ABORTED' : /statement timeout/i.test(e.message ?? '') ? 'ANALYTICS_STATEMENT_TIMEOUT' : 'ANALYTICS_QUERY_CANCELED';
    if (CONFLICT_STATES.has(code)) return 'ANALYTICS_DB_CONFLICT';
    return 'ANALYTICS_SQL_FAILED';
  }
  if (/Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(e.message ?? '')) return 'ANALYTICS_DB_UNAVAILABLE';
  return undefined;
}

export interface DbFailure {
  error: Error;
  code: string;
  /** PL/pgSQL context and JavaScript stack, for the run record. */
  stack: string | undefined;
}

/**
 * A database error as the error the job fails with. Everything PostgreSQL reports is retryable
 * (an outage, a timeout, a function raising): the attempts limit ends a failure retrying cannot fix.
 */
export function toDbFailure(err: unknown, ctx: { kind: string; step: string; statementTimeoutMs: number; abortReason?: unknown }): DbFailure {
  const e = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as PgErrorLike;
  const aborted = ctx.abortReason !== undefined;
  const code = codeFor(e, aborted);
  const stack = [e.where ? `PostgreSQL context: ${e.where}` : undefined, e.stack].filter(Boolean).join('\n') || undefined;
  if (!code) return { error: err instanceof Error ? err : new Error(String(err)), code: 'JOB_RETRYABLE', stack };
  const state = isSqlState(e.code) ? ` (SQLSTATE ${e.code})` : e.code ? ` (${e.code})` : '';
  const what = `${ctx.kind}: ${ctx.step}`;
  const message =
    code === 'ANALYTICS_DB_UNAVAILABLE'
      ? `${what}: PostgreSQL is unavailable: ${e.message}${state}`
      : code === 'ANALYTICS_STATEMENT_TIMEOUT'
        ? `${what} ran longer than the statement timeout of ${ctx.statementTimeoutMs} ms and was canceled${state}`
        : code === 'ANALYTICS_RUN_ABORTED'
          ? `${what} was canceled because the run was aborted: ${reasonText(ctx.abortReason)}`
          : `${what} failed: ${e.message}${state}`;
  return { error: new RetryableError(message, { code, cause: err }), code, stack };
}

function reasonText(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}
