/** Error codes of the analytics pool (on failed jobs and in `al.job_runs.error_code`). */
export const ANALYTICS_ERROR_CODES = {
  ANALYTICS_UNKNOWN_KIND: 'The job names an analytics kind that does not exist (e.g. a replay with an edited kind); not retried.',
  ANALYTICS_KIND_MISMATCH: "The job's kind belongs to another analytics job; not retried.",
  ANALYTICS_DB_UNAVAILABLE: 'PostgreSQL could not be reached or dropped the connection; retried with backoff.',
  ANALYTICS_STATEMENT_TIMEOUT: "A statement ran longer than the kind's statement_timeout; the run rolled back and is retried.",
  ANALYTICS_QUERY_CANCELED: 'PostgreSQL canceled a statement (an operator or a shutdown); retried.',
  ANALYTICS_RUN_ABORTED: 'The run was aborted (job timeout, cancellation or shutdown); its statement was canceled and it is retried.',
  ANALYTICS_DB_CONFLICT: 'A deadlock, serialization failure or lock that could not be taken; retried.',
  ANALYTICS_SQL_FAILED: 'A statement or function failed in PostgreSQL; the run rolled back and is retried until attempts run out.',
  ANALYTICS_RUN_ABANDONED: 'The process running the job stopped before it finished; recorded when the next run of the kind starts.',
} as const;

export type AnalyticsErrorCode = keyof typeof ANALYTICS_ERROR_CODES;
