import { createHash } from 'node:crypto';
import { PermanentError, RetryableError, isRecord } from '@fable-jobs/contracts';
import { jsonOf, type OutboundResponse } from '../http/outbound.ts';
import { ProviderGate } from '../http/provider-gate.ts';
import { snippet, type Provider, type ProviderHttp } from '../http/provider-http.ts';
import { mailchimpBaseUrl, notConfigured, type IntegrationsSettings } from '../settings.ts';

/** Mailchimp's member id: MD5 of the lower-cased address, so an upsert of a retry is an update. */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

export interface Signup {
  email: string;
  firstName?: string | undefined;
  lastName?: string | undefined;
}

/**
 * Mailchimp Marketing API v3: HTTP basic auth (any user, the API key as password), errors as
 * problem JSON `{type, title, status, detail, instance}`.
 */
export class MailchimpClient {
  readonly #http: ProviderHttp;
  readonly #s: IntegrationsSettings;
  readonly provider: Provider = { name: 'Mailchimp', code: 'MAILCHIMP', gate: new ProviderGate('Mailchimp'), defaultRetryAfterMs: 10_000 };

  constructor(http: ProviderHttp, settings: IntegrationsSettings) {
    this.#http = http;
    this.#s = settings;
  }

  #config(): { base: string; key: string; list: string } {
    const key = this.#s.mailchimpApiKey;
    if (!key) throw notConfigured('Mailchimp', 'MAILCHIMP_API_KEY');
    const list = this.#s.mailchimpListId;
    if (!list) throw notConfigured('The Mailchimp audience', 'MAILCHIMP_LIST_ID');
    const base = mailchimpBaseUrl(this.#s);
    if (!base) throw notConfigured('The Mailchimp data centre', 'MAILCHIP_SERVER_PREFIX (or MAILCHIMP_BASE_URL)');
    return { base, key, list };
  }

  async #call(method: 'PUT' | 'POST', path: string, body: unknown, signal: AbortSignal | undefined): Promise<OutboundResponse> {
    const { base, key } = this.#config();
    const auth = `Basic ${Buffer.from(`fable-jobs:${key}`).toString('base64')}`;
    const label = `${method} /3.0${path.replace(/\/members\/[0-9a-f]{32}/, '/members/{hash}')}`;
    const res = await this.#http.call(this.provider, { method, url: `${base}/3.0${path}`, headers: { authorization: auth, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal }, label);
    if (res.status >= 200 && res.status < 300) return res;
    const problem = jsonOf(res.body);
    const title = isRecord(problem) && typeof problem['title'] === 'string' ? problem['title'] : '';
    const detail = isRecord(problem) && typeof problem['detail'] === 'string' ? problem['detail'] : snippet(res.body).slice(2);
    const code = res.status === 401 || res.status === 403 ? 'MAILCHIMP_AUTH' : res.status === 404 ? 'MAILCHIMP_NOT_FOUND' : 'MAILCHIMP_REJECTED';
    if (res.status >= 400 && res.status < 500) throw new PermanentError(`Mailchimp ${label} answered ${res.status}${title ? ` ${title}` : ''}${detail ? `: ${detail}` : ''}`, { code });
    throw new RetryableError(`Mailchimp ${label} answered an unexpected ${res.status}`, { code: 'MAILCHIMP_UNEXPECTED' });
  }

  /** Add or update the member (PUT by subscriber hash), then give it the signup tag. */
  async upsertSignup(s: Signup, signal?: AbortSignal): Promise<{ subscriberHash: string }> {
    const { list } = this.#config();
    const hash = subscriberHash(s.email);
    const mergeFields: Record<string, string> = {};
    if (s.firstName) mergeFields['FNAME'] = s.firstName;
    if (s.lastName) mergeFields['LNAME'] = s.lastName;
    const member = `/lists/${encodeURIComponent(list)}/members/${hash}`;
    await this.#call('PUT', member, { email_address: s.email.trim(), status_if_new: 'subscribed', merge_fields: mergeFields }, signal);
    await this.#call('POST', `${member}/tags`, { tags: [{ name: this.#s.mailchimpTag, status: 'active' }] }, signal);
    return { subscriberHash: hash };
  }
}
