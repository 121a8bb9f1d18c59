import { PermanentError, RetryableError, isRecord } from '@fable-jobs/contracts';
import { jsonOf, type OutboundResponse } from '../http/outbound.ts';
import { ProviderGate } from '../http/provider-gate.ts';
import { snippet, type Provider, type ProviderHttp } from '../http/provider-http.ts';
import { notConfigured, type IntegrationsSettings } from '../settings.ts';

export interface SmartLeadLead {
  email: string;
  first_name: string;
  last_name?: string;
}

/**
 * SmartLead API v1: the key travels as the `api_key` query parameter, so URLs are built here
 * and only labels without the query ever reach a message or a log line.
 */
export class SmartLeadClient {
  readonly #http: ProviderHttp;
  readonly #s: IntegrationsSettings;
  // SmartLead's window is 10 requests per 2 s.
  readonly provider: Provider = { name: 'SmartLead', code: 'SMARTLEAD', gate: new ProviderGate('SmartLead'), defaultRetryAfterMs: 2000 };

  constructor(http: ProviderHttp, settings: IntegrationsSettings) {
    this.#http = http;
    this.#s = settings;
  }

  #url(path: string): string {
    const key = this.#s.smartLeadApiKey;
    if (!key) throw notConfigured('SmartLead', 'SMART_LEAD_API_KEY');
    return `${this.#s.smartLeadBaseUrl}${path}?api_key=${encodeURIComponent(key)}`;
  }

  #fail(label: string, res: OutboundResponse): never {
    const body = jsonOf(res.body);
    const msg = isRecord(body) && typeof (body['message'] ?? body['error']) === 'string' ? String(body['message'] ?? body['error']) : snippet(res.body).slice(2);
    if (res.status >= 400 && res.status < 500) {
      throw new PermanentError(`SmartLead ${label} answered ${res.status}${msg ? `: ${msg}` : ''}`, { code: res.status === 401 || res.status === 403 ? 'SMARTLEAD_AUTH' : 'SMARTLEAD_REJECTED' });
    }
    throw new RetryableError(`SmartLead ${label} answered an unexpected ${res.status}`, { code: 'SMARTLEAD_UNEXPECTED' });
  }

  /** True when the campaign exists for this key. */
  async campaignExists(campaignId: number, signal?: AbortSignal): Promise<boolean> {
    const label = `GET /campaigns/${campaignId}`;
    const res = await this.#http.call(this.provider, { method: 'GET', url: this.#url(`/campaigns/${campaignId}`), headers: { accept: 'application/json' }, signal }, label);
    if (res.status === 404) return false;
    if (res.status < 200 || res.status >= 300) this.#fail(label, res);
    const body = jsonOf(res.body);
    return isRecord(body) && Number(body['id']) === campaignId;
  }

  /** Add the lead; SmartLead skips one already in the campaign, so a retry adds nothing twice. */
  async addLead(campaignId: number, lead: SmartLeadLead, signal?: AbortSignal): Promise<Record<string, unknown>> {
    const label = `POST /campaigns/${campaignId}/leads`;
    const body = { lead_list: [lead], settings: { ignore_global_block_list: false, ignore_unsubscribe_list: false, ignore_duplicate_leads_in_other_campaign: false } };
    const res = await this.#http.call(this.provider, { method: 'POST', url: this.#url(`/campaigns/${campaignId}/leads`), headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(body), signal }, label);
    if (res.status < 200 || res.status >= 300) this.#fail(label, res);
    const out = jsonOf(res.body);
    return isRecord(out) ? out : {};
  }
}
