/**
 * Every error code the fleet records (dead letters, failed jobs, API errors), with its meaning.
 * Codes are stable: dashboards, alerts and runbooks key on them.
 */
export const ERROR_CODES = {
  BRIDGE_BAD_JSON: 'The body looks like JSON but does not parse.',
  BRIDGE_BAD_ENVELOPE: 'The body is neither a message type name (legacy) nor {"type": string, "data": ...} (JSON).',
  BRIDGE_UNKNOWN_TYPE: 'No message type of that name is declared in the catalogue.',
  BRIDGE_UNKNOWN_SUBTYPE: 'The message type is known but its sub-type (e.g. NF eventName, analytics job kind) is not.',
  BRIDGE_SCHEMA_INVALID: "The payload does not match the message type's schema.",
  BRIDGE_ROUTE_FAILED: 'Building a job from the payload failed (e.g. an embedded JSON string does not parse).',
  BRIDGE_JOB_INVALID: "A job built from the message does not match the job's schema.",
  BRIDGE_OVERSIZE: 'The message (body and attributes) is larger than BRIDGE_MAX_MESSAGE_BYTES.',
  BRIDGE_BAD_IDEMPOTENCY_KEY: 'The idempotency key is empty or longer than 512 characters.',
  JOB_INVALID_DATA: "The job's data does not match its schema when the worker picked it up.",
  JOB_PERMANENT: 'The processor failed in a way retrying cannot fix.',
  JOB_RETRYABLE: 'The processor failed; the job is retried with backoff.',
  JOB_RATE_LIMITED: 'The provider rate-limited the call; the queue pauses for Retry-After.',
  JOB_TIMEOUT: "The run took longer than the job's timeout and was aborted.",
  JOB_STALLED: 'The worker running the job stopped renewing its lock (crash, blocked event loop).',
  JOB_LOCK_LOST: 'The run no longer owned its job when it was about to cause its effect (ctx.fence): another worker took over.',
  JOB_NO_PROCESSOR: 'No processor is registered for the job on this worker.',
  CONFIG_INVALID: 'Environment configuration is missing or invalid.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
