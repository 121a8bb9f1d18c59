import { RateLimitedError } from '@fable-jobs/contracts';

/**
 * One provider's "slow down" state in this process. A 429 on any of the provider's queues
 * closes the gate for Retry-After, so the provider's other queues (Cobalt has three) back off
 * too instead of each finding out with its own 429.
 */
export class ProviderGate {
  readonly provider: string;
  #openAt = 0;

  constructor(provider: string) {
    this.provider = provider;
  }

  block(ms: number, now = Date.now()): void {
    this.#openAt = Math.max(this.#openAt, now + ms);
  }

  /** Throws RateLimitedError (the job's queue pauses for the rest) while the gate is closed. */
  check(code: string, now = Date.now()): void {
    const wait = this.#openAt - now;
    if (wait > 0) throw new RateLimitedError(wait, `${this.provider} asked us to slow down; waiting ${Math.ceil(wait / 1000)} s more`, { code });
  }
}
