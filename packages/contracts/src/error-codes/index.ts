import { ANALYTICS_ERROR_CODES } from './analytics.ts';
import { FLEET_ERROR_CODES } from './fleet.ts';
import { INTEGRATIONS_ERROR_CODES } from './integrations.ts';
import { LLM_ERROR_CODES } from './llm.ts';
import { MEDIA_ERROR_CODES } from './media.ts';

export { ANALYTICS_ERROR_CODES, type AnalyticsErrorCode } from './analytics.ts';
export { FLEET_ERROR_CODES } from './fleet.ts';
export { INTEGRATIONS_ERROR_CODES } from './integrations.ts';
export { LLM_ERROR_CODES, type LlmErrorCode } from './llm.ts';
export { MEDIA_ERROR_CODES, type MediaErrorCode } from './media.ts';

/**
 * Every error code the fleet records (dead letters, failed jobs, `jobs.failure_reason`, API
 * errors), with its meaning. Codes are stable: dashboards, alerts and runbooks key on them.
 */
export const ERROR_CODES = {
  ...FLEET_ERROR_CODES,
  ...MEDIA_ERROR_CODES,
  ...ANALYTICS_ERROR_CODES,
  ...INTEGRATIONS_ERROR_CODES,
  ...LLM_ERROR_CODES,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
