import { PermanentError, RetryableError, isRecord } from '@fable-jobs/contracts';
import { jsonOf, type OutboundResponse } from '../http/outbound.ts';
import { ProviderGate } from '../http/provider-gate.ts';
import { snippet, type Provider, type ProviderHttp } from '../http/provider-http.ts';
import { notConfigured, type IntegrationsSettings } from '../settings.ts';

export type CobaltEvent = 'REFRESH_CONTACT_PROPERTIES' | 'ACTIVITY_ON_DEMO';

function messageOf(res: OutboundResponse): string {
  const body = jsonOf(res.body);
  for (const k of ['message', 'error', 'detail']) {
    const v = isRecord(body) ? body[k] : undefined;
    if (typeof v === 'string' && v) return v;
  }
  return snippet(res.body).slice(2);
}

/**
 * Cobalt's public API: `x-api-key` on every call; linked accounts under
 * /api/v2/public/linked-account; events for a linked account (header `linked_account_id`) to
 * /api/v2/public/event, or to the old per-webhook trigger /api/v1/webhook/{id} when
 * COBALT_WEBHOOK_ID is set.
 */
export class CobaltClient {
  readonly #http: ProviderHttp;
  readonly #s: IntegrationsSettings;
  readonly provider: Provider = { name: 'Cobalt', code: 'COBALT', gate: new ProviderGate('Cobalt'), defaultRetryAfterMs: 10_000 };

  constructor(http: ProviderHttp, settings: IntegrationsSettings) {
    this.#http = http;
    this.#s = settings;
  }

  #key(): string {
    const key = this.#s.cobaltApiKey;
    if (!key) throw notConfigured('Cobalt', 'COBALT_API_KEY');
    return key;
  }

  #fail(label: string, res: OutboundResponse): never {
    const msg = messageOf(res);
    if (res.status >= 400 && res.status < 500) {
      throw new PermanentError(`Cobalt ${label} answered ${res.status}${msg ? `: ${msg}` : ''}`, { code: res.status === 401 || res.status === 403 ? 'COBALT_AUTH' : 'COBALT_REJECTED' });
    }
    throw new RetryableError(`Cobalt ${label} answered an unexpected ${res.status}`, { code: 'COBALT_UNEXPECTED' });
  }

  /** Create the linked account; one that already exists counts as created. */
  async createLinkedAccount(linkedAccountId: string, signal?: AbortSignal): Promise<{ created: boolean }> {
    const label = 'POST /api/v2/public/linked-account';
    const res = await this.#http.call(
      this.provider,
      { method: 'POST', url: `${this.#s.cobaltBaseUrl}/api/v2/public/linked-account`, headers: { 'x-api-key': this.#key(), 'content-type': 'application/json' }, body: JSON.stringify({ linked_account_id: linkedAccountId }), signal },
      label,
    );
    if (res.status >= 200 && res.status < 300) return { created: true };
    if ([400, 409, 422].includes(res.status) && /already exist/i.test(messageOf(res))) return { created: false };
    this.#fail(label, res);
  }

  async sendEvent(linkedAccountId: string, event: CobaltEvent, payload: Record<string, unknown>, signal?: AbortSignal): Promise<void> {
    const path = this.#s.cobaltWebhookId ? `/api/v1/webhook/${encodeURIComponent(this.#s.cobaltWebhookId)}` : '/api/v2/public/event';
    const label = `POST ${this.#s.cobaltWebhookId ? '/api/v1/webhook/{id}' : path} (${event})`;
    const res = await this.#http.call(
      this.provider,
      { method: 'POST', url: `${this.#s.cobaltBaseUrl}${path}`, headers: { 'x-api-key': this.#key(), linked_account_id: linkedAccountId, 'content-type': 'application/json' }, body: JSON.stringify({ event, payload }), signal },
      label,
    );
    if (res.status >= 200 && res.status < 300) return;
    this.#fail(label, res);
  }
}
