/**
 * Error codes the integrations pool puts on failed jobs (`CODE: message` in failedReason and the
 * `jobs`/job_runs records). Provider codes follow one pattern: <PROVIDER>_TIMEOUT/_UNREACHABLE
 * (no answer, retried), _UNAVAILABLE (5xx, retried), _RATE_LIMITED (429: the queue pauses for
 * Retry-After, no attempt used), _AUTH (401/403), _REJECTED / _NOT_FOUND (other 4xx, permanent).
 * Providers: SLACK, MAILCHIMP, COBALT, SMARTLEAD, MAIN_API.
 */
export const INTEGRATIONS_ERROR_CODES = {
  INTEGRATION_NOT_CONFIGURED: 'A setting the job needs (API key, base URL, list id, signing secret) is not set.',
  SLACK_INVALID_PAYLOAD: 'Slack refused the message body (400).',
  SMARTLEAD_MISSING_FIELD: 'NEW_USER_SIGNUP_WITH_SUBS without an email or a first name.',
  SMARTLEAD_NO_CAMPAIGN: 'The subscription plan maps to no campaign in SMARTLEAD_PLAN_CAMPAIGNS.',
  SMARTLEAD_CAMPAIGN_NOT_FOUND: 'The mapped campaign does not exist for the SmartLead API key.',
  COBALT_INVALID_PAYLOAD: 'The lead activity cannot be turned into a Cobalt event (e.g. lastActiveAt is not a date).',
  MAIN_API_UNEXPECTED: 'The main API server answered in an unexpected shape.',
  WEBHOOK_INTEGRATION_NOT_FOUND: 'The main API server has no such tenant integration.',
  WEBHOOK_UNSUPPORTED_EVENT: 'RUN_INTEGRATION with an event other than CREATE_OR_UPDATE_CONTACT.',
  WEBHOOK_PAYLOAD_INVALID: 'payload_eventPayload is not an object or has no demo id (ti).',
  WEBHOOK_DEMO_NOT_FOUND: 'The demo named by ti does not exist.',
  WEBHOOK_CONFIG_INVALID: "The tenant integration's config has no URL or template, or an unknown platform type.",
  WEBHOOK_TEMPLATE_INVALID: 'The body or header template does not parse, uses something not allowed, is too large or slow, or does not render to valid JSON.',
  WEBHOOK_URL_INVALID: 'The tenant URL is not https (or http where allowed), or carries credentials.',
  WEBHOOK_BLOCKED_ADDRESS: 'The tenant URL (or a redirect) points at a loopback, private, link-local, metadata or other special address: nothing was sent.',
  WEBHOOK_REDIRECT_REFUSED: 'The endpoint redirected with 301/302/303, without a Location, or too often.',
  WEBHOOK_TIMEOUT: 'No complete answer within WEBHOOK_TIMEOUT_MS (retried).',
  WEBHOOK_UNREACHABLE: 'Connection refused or reset (retried).',
  WEBHOOK_DNS: 'The host name did not resolve (retried).',
  WEBHOOK_RATE_LIMITED: 'The endpoint answered 429 (retried; a short Retry-After is waited out first).',
  WEBHOOK_HTTP_5XX: 'The endpoint answered 5xx or 408 (retried).',
  WEBHOOK_HTTP_4XX: 'The endpoint answered another 4xx (permanent).',
} as const;
