import { setTimeout as sleep } from 'node:timers/promises';
import { PermanentError, RetryableError, classifyError, errorCode, errorMessage, isRecord, type JobContext, type JobData } from '@fable-jobs/contracts';
import type { ApplicationLog, Demo, FatTenantIntegration, MainApiClient } from '../clients/main-api.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import type { IntegrationsSettings } from '../settings.ts';
import type { DeliveryRecord } from './deliveries-repo.ts';
import type { DeliveryRecorder } from './delivery-recorder.ts';
import { maskHeaders, redactUrl, truncate } from './masking.ts';
import type { DeliveryResult, SafeSender } from './safe-sender.ts';
import { ATTEMPT_HEADER, EVENT_HEADER, EVENT_ID_HEADER, SIGNATURE_HEADER, eventIdFor, integrationSecret, signature } from './signing.ts';
import { TemplateError, renderHeaders, renderJsonBody, type TemplateLimits } from './template.ts';
import { TtlCache } from './ttl-cache.ts';

export const TENANT_WEBHOOK_EVENTS = ['CREATE_OR_UPDATE_CONTACT'] as const;
const JOB = 'integrations.tenant-webhook';
const STORED_BODY_CHARS = 16_384;
const LOGGED_RESPONSE_CHARS = 2048;
const PORTABLE_HEADERS = ['content-type', 'user-agent', EVENT_ID_HEADER, EVENT_HEADER, ATTEMPT_HEADER, SIGNATURE_HEADER];

type Data = JobData<'integrations.tenant-webhook'>;

export interface TenantWebhookDeps {
  settings: IntegrationsSettings;
  mainApi: MainApiClient;
  sender: SafeSender;
  recorder: DeliveryRecorder;
}

interface Prepared {
  platform: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Any failure on the way, as the fleet's error taxonomy (by name: copies of classes are fine). */
function domainError(err: unknown): Error {
  const name = (err as Error)?.name;
  if (name === 'PermanentError' || name === 'RetryableError' || name === 'RateLimitedError') return err as Error;
  if (name === 'BlockedAddressError' || name === 'TemplateError') return new PermanentError((err as Error).message, { code: (err as { code: string }).code, cause: err });
  if (name === 'TransportError') {
    const t = err as { timedOut: boolean; aborted: boolean; causeCode?: string; message: string };
    const code = t.timedOut ? 'WEBHOOK_TIMEOUT' : t.aborted ? 'WEBHOOK_ABORTED' : t.causeCode === 'ENOTFOUND' || t.causeCode === 'EAI_AGAIN' ? 'WEBHOOK_DNS' : 'WEBHOOK_UNREACHABLE';
    return new RetryableError(t.message, { code, cause: err });
  }
  return new RetryableError(errorMessage(err), { code: 'WEBHOOK_FAILED', cause: err });
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * RUN_INTEGRATION: load the tenant integration and the demo from the main API server, render
 * the tenant's request (Fable webhook template, or the Zapier payload), sign it, deliver it
 * through the SSRF guard, and record the attempt in the main API server's log and locally.
 */
export class TenantWebhooks {
  readonly #d: TenantWebhookDeps;
  readonly #limits: TemplateLimits;
  readonly #integrations: TtlCache<FatTenantIntegration>;
  readonly #demos: TtlCache<Demo | undefined>;

  constructor(deps: TenantWebhookDeps) {
    this.#d = deps;
    const s = deps.settings;
    this.#integrations = new TtlCache(s.webhookLookupCacheMs);
    this.#demos = new TtlCache(s.webhookLookupCacheMs);
    this.#limits = { maxTemplateBytes: s.webhookTemplateMaxBytes, maxOutputBytes: s.webhookMaxBodyBytes, timeoutMs: s.webhookTemplateTimeoutMs };
  }

  async run(data: Data, ctx: JobContext): Promise<Record<string, unknown>> {
    const { mainApi, sender, settings } = this.#d;
    const eventId = eventIdFor(JOB, ctx.jobId);
    const rec: DeliveryRecord = { eventId, attempt: ctx.attempt, jobId: ctx.jobId, integrationId: data.integrationId, event: data.event, status: 'failed', willRetry: false };
    let logBase: Omit<ApplicationLog, 'logLine'> | undefined;
    let prepared: Prepared | undefined;
    let result: DeliveryResult | undefined;
    try {
      const payload = isRecord(data.eventPayload) ? data.eventPayload : undefined;
      const ti = payload?.['ti'];
      const hasDemoId = typeof ti === 'string' || typeof ti === 'number';
      // A retry reads fresh: the tenant may just have fixed the config that made the first attempt fail.
      const fresh = ctx.attempt > 1;
      // Independent lookups: fetched together (the demo is only used once the integration checks out).
      const demoLookup = hasDemoId ? (fresh ? mainApi.demoById(String(ti), ctx.signal) : this.#demos.get(String(ti), () => mainApi.demoById(String(ti)))) : undefined;
      demoLookup?.catch(() => {});
      const fat = await (fresh ? mainApi.tenantIntegration(data.integrationId, ctx.signal) : this.#integrations.get(data.integrationId, () => mainApi.tenantIntegration(data.integrationId)));
      rec.orgId = Number(fat.org.id);
      rec.platform = String(fat.platformIntegration.type);
      logBase = { orgId: Number(fat.org.id), logType: 'WEBHOOK_EXEC', forObjectType: 'TENANT_INTEGRATION', forObjectId: Number(data.integrationId) };
      if (fat.tenantIntegration.disabled === true || fat.platformIntegration.disabled === true) {
        ctx.log.info({ integrationId: data.integrationId }, 'integration is disabled: nothing delivered');
        return { skipped: 'integration disabled', eventId };
      }
      if (!(TENANT_WEBHOOK_EVENTS as readonly string[]).includes(data.event)) {
        throw new PermanentError(`event ${JSON.stringify(data.event)} is not supported (supported: ${TENANT_WEBHOOK_EVENTS.join(', ')})`, { code: 'WEBHOOK_UNSUPPORTED_EVENT' });
      }
      if (!payload) throw new PermanentError('payload_eventPayload must be a JSON object', { code: 'WEBHOOK_PAYLOAD_INVALID' });
      if (!demoLookup) throw new PermanentError('payload_eventPayload has no demo id (ti)', { code: 'WEBHOOK_PAYLOAD_INVALID' });
      const demo = await demoLookup;
      if (!demo) throw new PermanentError(`demo ${String(ti)} does not exist`, { code: 'WEBHOOK_DEMO_NOT_FOUND' });

      prepared = this.#prepare(fat, demo, data, eventId, ctx.attempt);
      rec.url = redactUrl(prepared.url);
      rec.requestHeaders = maskHeaders(prepared.headers);
      rec.requestBody = truncate(prepared.body, STORED_BODY_CHARS);

      result = await sender.post({ url: prepared.url, headers: prepared.headers, portableHeaders: PORTABLE_HEADERS, body: prepared.body, signal: ctx.signal });
      rec.httpStatus = result.status;
      rec.responseBody = truncate(result.body, STORED_BODY_CHARS);
      rec.durationMs = result.durationMs;
      if (result.finalUrl !== prepared.url) rec.url = redactUrl(result.finalUrl);
      const outcome = this.#judge(result);
      if (outcome) throw outcome;

      rec.status = 'success';
      await this.#record(rec, logBase, data);
      return { eventId, httpStatus: result.status, durationMs: result.durationMs, redirects: result.redirects };
    } catch (raw) {
      const err = domainError(raw);
      rec.status = 'failed';
      rec.errorCode = errorCode(err);
      rec.reason = errorMessage(err);
      rec.willRetry = classifyError(err) !== 'permanent' && ctx.attempt < ctx.maxAttempts;
      await this.#record(rec, logBase, data);
      // Honour a short Retry-After before giving the attempt back; a long one is left to the backoff.
      const wait = result?.status === 429 ? parseRetryAfter(result.headers['retry-after']) : undefined;
      if (wait !== undefined && rec.willRetry && wait <= settings.webhookRetryAfterMaxWaitMs) await sleep(wait, undefined, { signal: ctx.signal }).catch(() => {});
      throw err;
    }
  }

  /** A response that is not a success, as the error to throw. */
  #judge(res: DeliveryResult): Error | undefined {
    if (res.status >= 200 && res.status < 300) return undefined;
    const what = `the endpoint answered ${res.status}${res.body ? `: ${truncate(res.body.replace(/\s+/g, ' ').trim(), 200)}` : ''}`;
    if (res.status === 429) {
      const wait = parseRetryAfter(res.headers['retry-after']);
      return new RetryableError(`${what}${wait !== undefined ? ` (Retry-After ${Math.ceil(wait / 1000)} s)` : ''}`, { code: 'WEBHOOK_RATE_LIMITED' });
    }
    if (res.status >= 500 || res.status === 408) return new RetryableError(what, { code: 'WEBHOOK_HTTP_5XX' });
    return new PermanentError(what, { code: 'WEBHOOK_HTTP_4XX' });
  }

  #prepare(fat: FatTenantIntegration, demo: Demo, data: Data, eventId: string, attempt: number): Prepared {
    const cfg = fat.tenantIntegration.tenantConfig;
    const payload = data.eventPayload as Record<string, unknown>;
    const platform = String(fat.platformIntegration.type);
    let url: string | undefined;
    let body: string;
    let tenantHeaders: Record<string, string> = {};
    if (platform === 'FableWebhook') {
      url = str(cfg['url']);
      if (!url) throw new PermanentError('the webhook integration has no url in its tenant config', { code: 'WEBHOOK_CONFIG_INVALID' });
      const reqBody = typeof cfg['reqBody'] === 'string' ? cfg['reqBody'] : isRecord(cfg['reqBody']) ? JSON.stringify(cfg['reqBody']) : undefined;
      if (reqBody === undefined) throw new PermanentError('the webhook integration has no reqBody template in its tenant config', { code: 'WEBHOOK_CONFIG_INVALID' });
      let headerTemplate: unknown = cfg['reqHeaders'] ?? {};
      if (typeof headerTemplate === 'string') {
        try {
          headerTemplate = headerTemplate.trim() ? JSON.parse(headerTemplate) : {};
        } catch (err) {
          throw new TemplateError(`reqHeaders is not valid JSON: ${(err as Error).message}`);
        }
      }
      if (!isRecord(headerTemplate)) throw new TemplateError('reqHeaders must be a JSON object of header names to values');
      const vars = { ...payload, demo_rid: demo.rid };
      body = renderJsonBody(reqBody, vars, this.#limits);
      tenantHeaders = renderHeaders(headerTemplate, vars, this.#limits);
    } else if (platform === 'Zapier') {
      url = str(cfg['hookUrl']);
      if (!url) throw new PermanentError('the Zapier integration has no hookUrl in its tenant config', { code: 'WEBHOOK_CONFIG_INVALID' });
      const { ti: _ti, ...rest } = payload;
      body = JSON.stringify({ ...rest, demo_rid: demo.rid, demo_name: demo.displayName });
    } else {
      throw new PermanentError(`unknown integration type ${JSON.stringify(platform)} (known: FableWebhook, Zapier)`, { code: 'WEBHOOK_CONFIG_INVALID' });
    }
    const secret = str(cfg['signingSecret']) ?? (this.#d.settings.webhookSigningSecret ? integrationSecret(this.#d.settings.webhookSigningSecret, data.integrationId) : undefined);
    if (!secret) throw new PermanentError('webhook signing is not configured: set WEBHOOK_SIGNING_SECRET', { code: 'INTEGRATION_NOT_CONFIGURED' });
    const headers: Record<string, string> = {
      ...tenantHeaders,
      'content-type': 'application/json',
      'user-agent': 'FableJobs-Webhooks/1.0',
      [EVENT_ID_HEADER]: eventId,
      [EVENT_HEADER]: data.event,
      [ATTEMPT_HEADER]: String(attempt),
      [SIGNATURE_HEADER]: signature(secret, body, Math.floor(Date.now() / 1000)),
    };
    return { platform, url, headers, body };
  }

  /** Both records are best effort and written behind: the delivery's outcome stands either way. */
  async #record(rec: DeliveryRecord, logBase: Omit<ApplicationLog, 'logLine'> | undefined, data: Data): Promise<void> {
    const logLine = {
      status: rec.status,
      httpStatus: rec.httpStatus,
      isRetry: rec.attempt > 1,
      willRetry: rec.willRetry,
      attempt: rec.attempt,
      eventId: rec.eventId,
      reason: rec.status === 'success' ? 'delivered' : `${rec.errorCode}: ${rec.reason}`,
      payload: data.eventPayload,
      url: rec.url,
      headers: rec.requestHeaders,
      body: rec.requestBody,
      respTxt: rec.responseBody === undefined ? undefined : truncate(rec.responseBody, LOGGED_RESPONSE_CHARS),
    };
    await this.#d.recorder.record(rec, logBase ? { ...logBase, logLine } : undefined);
  }
}
