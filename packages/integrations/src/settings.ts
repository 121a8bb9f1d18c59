import { PermanentError } from '@fable-jobs/contracts';
import type { Config } from '@fable-jobs/runtime';

export type IntegrationsSettings = Config['integrations'] & { env: string };

export function integrationsSettings(config: Config): IntegrationsSettings {
  return { ...config.integrations, env: config.app.env };
}

/** A setting the job needs is missing: retrying cannot help until it is configured. */
export function notConfigured(what: string, envName: string): PermanentError {
  return new PermanentError(`${what} is not configured: set ${envName}`, { code: 'INTEGRATION_NOT_CONFIGURED' });
}

/** Mailchimp's API root: MAILCHIMP_BASE_URL, else the data centre from the prefix or the key's `-usNN` suffix. */
export function mailchimpBaseUrl(s: IntegrationsSettings): string | undefined {
  if (s.mailchimpBaseUrl) return s.mailchimpBaseUrl;
  const prefix = s.mailchimpServerPrefix ?? /-([a-z]{2}\d{1,3})$/.exec(s.mailchimpApiKey ?? '')?.[1];
  return prefix && /^[a-z]{2}\d{1,3}$/.test(prefix) ? `https://${prefix}.api.mailchimp.com` : undefined;
}
