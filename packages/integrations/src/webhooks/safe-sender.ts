import { PermanentError } from '@fable-jobs/contracts';
import { Agent, buildConnector } from 'undici';
import { header, send, type OutboundResponse } from '../http/outbound.ts';
import { AddressGuard } from './address-guard.ts';

export interface SafeSenderOptions {
  allowHttp: boolean;
  allowlist: readonly string[];
  connectTimeoutMs: number;
  timeoutMs: number;
  maxResponseBytes: number;
  maxRedirects: number;
}

export interface Delivery {
  url: string;
  headers: Record<string, string>;
  /** Headers of ours that may follow a redirect to another origin (tenant headers may not). */
  portableHeaders: readonly string[];
  body: string;
  signal?: AbortSignal | undefined;
}

export interface DeliveryResult extends OutboundResponse {
  /** The URL that answered (after redirects). */
  finalUrl: string;
  redirects: number;
}

/** A tenant URL that is not acceptable before anything is sent. */
export function checkTenantUrl(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new PermanentError(`the webhook URL ${JSON.stringify(raw.slice(0, 200))} is not an absolute URL`, { code: 'WEBHOOK_URL_INVALID' });
  }
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) {
    throw new PermanentError(`the webhook URL must use https${allowHttp ? ' or http' : ''} (got ${url.protocol.replace(/:$/, '')})`, { code: 'WEBHOOK_URL_INVALID' });
  }
  if (url.username || url.password) throw new PermanentError('the webhook URL must not carry credentials; send them in a header instead', { code: 'WEBHOOK_URL_INVALID' });
  if (!url.hostname) throw new PermanentError('the webhook URL has no host', { code: 'WEBHOOK_URL_INVALID' });
  return url;
}

/**
 * POSTs to tenant-controlled URLs without letting them reach inside: the SSRF guard runs in the
 * connector (every new connection, every redirect hop), only 307/308 redirects are followed (they
 * keep method and body) up to a limit, and the response is read up to a cap within a deadline.
 */
export class SafeSender {
  readonly #o: SafeSenderOptions;
  readonly #agent: Agent;

  constructor(opts: SafeSenderOptions) {
    this.#o = opts;
    const guard = new AddressGuard({ allowlist: opts.allowlist });
    this.#agent = new Agent({ connect: guard.connector(buildConnector({ timeout: opts.connectTimeoutMs })), connections: 256, keepAliveTimeout: 4000 });
  }

  async post(d: Delivery): Promise<DeliveryResult> {
    let url = checkTenantUrl(d.url, this.#o.allowHttp);
    const origin = url.origin;
    const deadline = Date.now() + this.#o.timeoutMs;
    for (let redirects = 0; ; redirects++) {
      const headers = url.origin === origin ? d.headers : Object.fromEntries(Object.entries(d.headers).filter(([k]) => d.portableHeaders.includes(k.toLowerCase())));
      const res = await send(
        this.#agent,
        { method: 'POST', url: url.href, headers, body: d.body, signal: d.signal, timeoutMs: Math.max(1, deadline - Date.now()), maxResponseBytes: this.#o.maxResponseBytes },
        `POST ${url.host}`,
      );
      if (res.status < 300 || res.status >= 400) return { ...res, finalUrl: url.href, redirects };
      const location = header(res.headers, 'location');
      if (res.status !== 307 && res.status !== 308) {
        throw new PermanentError(`the endpoint answered ${res.status} (redirect${location ? ` to ${location.slice(0, 200)}` : ''}); only 307/308 are followed, as they keep the POST and its body: point the integration at the final URL`, { code: 'WEBHOOK_REDIRECT_REFUSED' });
      }
      if (!location) throw new PermanentError(`the endpoint answered ${res.status} without a Location`, { code: 'WEBHOOK_REDIRECT_REFUSED' });
      if (redirects >= this.#o.maxRedirects) {
        throw new PermanentError(`the endpoint redirected more than ${this.#o.maxRedirects} times${this.#o.maxRedirects === 0 ? ' (redirects are off)' : ''}`, { code: 'WEBHOOK_REDIRECT_REFUSED' });
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new PermanentError(`the endpoint answered ${res.status} with an invalid Location ${JSON.stringify(location.slice(0, 200))}`, { code: 'WEBHOOK_REDIRECT_REFUSED' });
      }
      url = checkTenantUrl(next.href, this.#o.allowHttp);
    }
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }
}
