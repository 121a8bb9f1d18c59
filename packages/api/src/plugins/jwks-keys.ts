import { createPublicKey } from 'node:crypto';
import type { Logger } from '@fable-jobs/runtime';

export interface JwksKeysOptions {
  /** The configured issuer: the only place keys are ever fetched from. */
  issuer: string;
  /** The key set is fetched again after this long. */
  ttlMs: number;
  /** An unknown `kid` refetches the key set at most once per this interval. */
  minRefetchMs: number;
  timeoutMs: number;
  log: Logger;
}

/**
 * RS256 verification keys of the Auth0 issuer, by `kid`. Keys come only from the configured
 * issuer's `/.well-known/jwks.json` (never from a URL in the token), and the whole set is
 * loaded at once: an unknown kid — a rotation, or an attacker inventing kids — triggers at
 * most one fetch per `minRefetchMs`, and that fetch also loads every legitimate key, so
 * hostile tokens can neither hammer the issuer nor lock real users out.
 *
 * (get-jwks fetches one kid per request and caches per kid; a bound on that either blocks
 * legitimate new kids behind an attacker's or is no bound, hence the set-at-once loader.)
 */
export class JwksKeys {
  readonly #opts: JwksKeysOptions;
  readonly #url: string;
  #keys = new Map<string, string>();
  #fetchedAt = Number.NEGATIVE_INFINITY;
  #lastAttempt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;

  constructor(opts: JwksKeysOptions) {
    this.#opts = opts;
    this.#url = `${opts.issuer.replace(/\/+$/, '')}/.well-known/jwks.json`;
  }

  async publicKey(kid: string): Promise<string> {
    const now = Date.now();
    const known = this.#keys.get(kid);
    if (known && now - this.#fetchedAt < this.#opts.ttlMs) return known;
    if (now - this.#lastAttempt >= this.#opts.minRefetchMs) await this.#refresh();
    else if (this.#refreshing) await this.#refreshing;
    const key = this.#keys.get(kid);
    if (!key) throw new Error('unknown key id');
    return key;
  }

  #refresh(): Promise<void> {
    this.#refreshing ??= this.#load().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #load(): Promise<void> {
    this.#lastAttempt = Date.now();
    try {
      const res = await fetch(this.#url, { signal: AbortSignal.timeout(this.#opts.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { keys?: unknown };
      if (!Array.isArray(body.keys)) throw new Error('no keys array');
      const keys = new Map<string, string>();
      for (const jwk of body.keys as Array<Record<string, unknown>>) {
        if (jwk['kty'] !== 'RSA' || typeof jwk['kid'] !== 'string') continue;
        if (jwk['use'] !== undefined && jwk['use'] !== 'sig') continue;
        if (jwk['alg'] !== undefined && jwk['alg'] !== 'RS256') continue;
        try {
          const pem = createPublicKey({ key: { kty: 'RSA', n: jwk['n'] as string, e: jwk['e'] as string }, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
          keys.set(jwk['kid'], pem);
        } catch {
          this.#opts.log.warn({ kid: jwk['kid'] }, 'JWKS: a key could not be read; skipped');
        }
      }
      // A successful load replaces the set: keys the issuer dropped stop working.
      this.#keys = keys;
      this.#fetchedAt = Date.now();
    } catch (err) {
      // Keep the keys we had (an issuer outage must not log everyone out); retry after the bound.
      this.#opts.log.warn({ err: (err as Error).message }, 'JWKS fetch failed');
    }
  }
}
