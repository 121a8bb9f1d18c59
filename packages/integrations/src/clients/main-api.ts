import { PermanentError, RetryableError, isRecord } from '@fable-jobs/contracts';
import { jsonOf, type OutboundResponse } from '../http/outbound.ts';
import { ProviderGate } from '../http/provider-gate.ts';
import { snippet, type Provider, type ProviderHttp } from '../http/provider-http.ts';
import { notConfigured, type IntegrationsSettings } from '../settings.ts';

/** `GET /v1/fat/tenant_integration/{id}` → data. */
export interface FatTenantIntegration {
  org: { id: number; rid?: string; displayName?: string };
  platformIntegration: { id?: number; type: string; name?: string; disabled?: boolean; platformConfig?: Record<string, unknown> };
  tenantIntegration: { id: number; orgId?: number; disabled?: boolean; event?: string; tourId?: number; tenantConfig: Record<string, unknown> };
}

/** `GET /v1/tour/by/id/{id}` → data (the fields we use). */
export interface Demo {
  id: number;
  rid: string;
  displayName: string;
}

/** One `POST /v1/new/log` entry. */
export interface ApplicationLog {
  orgId: number;
  logType: 'WEBHOOK_EXEC';
  forObjectType: 'TENANT_INTEGRATION';
  forObjectId: number;
  logLine: Record<string, unknown>;
}

/**
 * The main API server (`API_SERVER_ENDPOINT`, paths under /v1). Answers are wrapped as
 * `{"status": "Success" | "Failure", "data": ...}`; a Failure or a 4xx is permanent, a 5xx or no
 * answer is retried. The internal token header is sent when configured.
 */
export class MainApiClient {
  readonly #http: ProviderHttp;
  readonly #s: IntegrationsSettings;
  readonly provider: Provider = { name: 'Main API server', code: 'MAIN_API', gate: new ProviderGate('Main API server'), defaultRetryAfterMs: 5000 };

  constructor(http: ProviderHttp, settings: IntegrationsSettings) {
    this.#http = http;
    this.#s = settings;
  }

  async #call(method: 'GET' | 'POST', path: string, signal: AbortSignal | undefined, body?: unknown): Promise<{ res: OutboundResponse; data: unknown }> {
    const base = this.#s.apiServerEndpoint;
    if (!base) throw notConfigured('The main API server', 'API_SERVER_ENDPOINT');
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.#s.apiServerToken) headers[this.#s.apiServerTokenHeader.toLowerCase()] = this.#s.apiServerToken;
    const label = `${method} /v1${path}`;
    const res = await this.#http.call(this.provider, { method, url: `${base}/v1${path}`, headers, signal, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) }, label);
    const json = jsonOf(res.body);
    const envelope = isRecord(json) ? json : undefined;
    if (res.status >= 400 || envelope?.['status'] === 'Failure') {
      const why = typeof envelope?.['errStr'] === 'string' && envelope['errStr'] ? `: ${envelope['errStr']}` : snippet(res.body);
      throw new PermanentError(`main API server ${label} answered ${res.status}${envelope?.['status'] === 'Failure' ? ' Failure' : ''}${why}`, { code: res.status === 404 ? 'MAIN_API_NOT_FOUND' : 'MAIN_API_REJECTED' });
    }
    if (res.status < 200 || res.status >= 300) throw new RetryableError(`main API server ${label} answered ${res.status}`, { code: 'MAIN_API_UNEXPECTED' });
    return { res, data: envelope && 'data' in envelope ? envelope['data'] : undefined };
  }

  async tenantIntegration(id: string, signal?: AbortSignal): Promise<FatTenantIntegration> {
    const { data } = await this.#call('GET', `/fat/tenant_integration/${encodeURIComponent(id)}`, signal);
    if (!isRecord(data) || !isRecord(data['org']) || !isRecord(data['platformIntegration']) || !isRecord(data['tenantIntegration'])) {
      throw new PermanentError(`tenant integration ${id}: the main API server returned no org, platform integration and tenant integration`, { code: 'WEBHOOK_INTEGRATION_NOT_FOUND' });
    }
    const ti = data['tenantIntegration'];
    if (!isRecord(ti['tenantConfig'])) ti['tenantConfig'] = {};
    return data as unknown as FatTenantIntegration;
  }

  async demoById(id: string, signal?: AbortSignal): Promise<Demo | undefined> {
    try {
      const { data } = await this.#call('GET', `/tour/by/id/${encodeURIComponent(id)}`, signal);
      return isRecord(data) && typeof data['rid'] === 'string' ? (data as unknown as Demo) : undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'MAIN_API_NOT_FOUND') return undefined;
      throw err;
    }
  }

  async addLog(entry: ApplicationLog, signal?: AbortSignal): Promise<void> {
    await this.#call('POST', '/new/log', signal, entry);
  }

  /** Lock (or unlock) every demo of the org; returns the rids that changed. */
  async lockDemos(orgId: string, shouldLock: boolean, signal?: AbortSignal): Promise<string[]> {
    const { data } = await this.#call('POST', '/lock', signal, { orgId: /^\d+$/.test(orgId) ? Number(orgId) : orgId, shouldLock });
    if (data === null || data === undefined) return [];
    if (!Array.isArray(data) || !data.every((r) => typeof r === 'string')) {
      throw new PermanentError(`main API server POST /v1/lock returned ${snippet(JSON.stringify(data)).slice(2)} instead of a list of demo rids`, { code: 'MAIN_API_UNEXPECTED' });
    }
    return data;
  }

  async republish(rid: string, signal?: AbortSignal): Promise<void> {
    await this.#call('GET', `/repub/entity/rid/${encodeURIComponent(rid)}`, signal);
  }
}
