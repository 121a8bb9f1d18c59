import { RateLimitedError, RetryableError } from '@fable-jobs/contracts';
import type { Dispatcher } from 'undici';
import { send, type OutboundRequest, type OutboundResponse } from './outbound.ts';
import type { ProviderGate } from './provider-gate.ts';
import { parseRetryAfter } from './retry-after.ts';

export interface Provider {
  /** Human name in messages, e.g. `Mailchimp`. */
  readonly name: string;
  /** Error code prefix, e.g. `MAILCHIMP`. */
  readonly code: string;
  readonly gate: ProviderGate;
  /** Pause when a 429 carries no Retry-After. */
  readonly defaultRetryAfterMs: number;
}

export type ProviderRequest = Omit<OutboundRequest, 'timeoutMs' | 'maxResponseBytes'>;

/**
 * Calls to configured providers with the fleet's error taxonomy applied once: no answer or
 * 5xx → RetryableError, 429 → RateLimitedError (and the provider's gate closes), anything
 * else is returned for the client to judge (2xx success, 4xx usually permanent).
 */
export class ProviderHttp {
  readonly #dispatcher: Dispatcher;
  readonly #timeoutMs: number;
  readonly #maxResponseBytes: number;

  constructor(dispatcher: Dispatcher, opts: { timeoutMs: number; maxResponseBytes?: number }) {
    this.#dispatcher = dispatcher;
    this.#timeoutMs = opts.timeoutMs;
    this.#maxResponseBytes = opts.maxResponseBytes ?? 1_048_576;
  }

  async call(p: Provider, req: ProviderRequest, label: string): Promise<OutboundResponse> {
    p.gate.check(`${p.code}_RATE_LIMITED`);
    let res: OutboundResponse;
    try {
      res = await send(this.#dispatcher, { ...req, timeoutMs: this.#timeoutMs, maxResponseBytes: this.#maxResponseBytes }, `${p.name} ${label}`);
    } catch (err) {
      const timedOut = (err as { timedOut?: boolean }).timedOut === true;
      throw new RetryableError((err as Error).message, { code: `${p.code}_${timedOut ? 'TIMEOUT' : 'UNREACHABLE'}`, cause: err });
    }
    if (res.status === 429) {
      const wait = parseRetryAfter(res.headers['retry-after']) ?? p.defaultRetryAfterMs;
      p.gate.block(wait);
      throw new RateLimitedError(wait, `${p.name} ${label} answered 429 Too Many Requests; pausing ${p.name} calls for ${Math.ceil(wait / 1000)} s`, { code: `${p.code}_RATE_LIMITED` });
    }
    if (res.status >= 500 || res.status === 408) {
      throw new RetryableError(`${p.name} ${label} answered ${res.status}${snippet(res.body)}`, { code: `${p.code}_UNAVAILABLE` });
    }
    return res;
  }
}

/** A short, single-line excerpt of a response body for messages. */
export function snippet(body: string, max = 200): string {
  const one = body.replace(/\s+/g, ' ').trim();
  if (!one) return '';
  return `: ${one.length > max ? `${one.slice(0, max)}…` : one}`;
}
