import type { LedgerEntry, LedgerRepo } from '@fable-jobs/db';
import type { Logger } from '@fable-jobs/runtime';

/**
 * Write-behind for the ledger: entries of every poller are batched into one upsert per interval,
 * off the receive → add → delete path. Safe because the ledger only matters for a message seen
 * again long after its first delivery (a redelivery comes after the visibility timeout, when the
 * entry has long been written); within that window the deterministic job id already makes a
 * second add a no-op. Keys still buffered count as seen for duplicate checks in this process.
 */
export class LedgerWriter {
  readonly #repo: LedgerRepo;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #buffer: LedgerEntry[] = [];
  #inflight: LedgerEntry[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #failures = 0;

  constructor(repo: LedgerRepo, log: Logger, opts: { intervalMs?: number } = {}) {
    this.#repo = repo;
    this.#log = log;
    this.#intervalMs = opts.intervalMs ?? 50;
  }

  record(entries: readonly LedgerEntry[]): void {
    this.#buffer.push(...entries);
    if (this.#buffer.length >= 1000) void this.flush();
    else this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs);
  }

  /** Accepted keys not yet written (they are duplicates if seen again). */
  pendingAccepted(keys: readonly string[]): Set<string> {
    const pending = new Set([...this.#buffer, ...this.#inflight].filter((e) => e.status === 'accepted').map((e) => e.key));
    return new Set(keys.filter((k) => pending.has(k)));
  }

  get backlog(): number {
    return this.#buffer.length + this.#inflight.length;
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#flushing) await this.#flushing;
    if (this.#buffer.length === 0) return;
    this.#inflight = this.#buffer;
    this.#buffer = [];
    this.#flushing = (async () => {
      try {
        for (let i = 0; i < this.#inflight.length; i += 1000) await this.#repo.record(this.#inflight.slice(i, i + 1000));
        this.#failures = 0;
      } catch (err) {
        this.#failures += 1;
        this.#log.warn({ err: (err as Error).message, entries: this.#inflight.length }, 'ledger write failed; will retry');
        this.#buffer = [...this.#inflight, ...this.#buffer].slice(-200_000);
        this.#timer ??= setTimeout(() => void this.flush(), Math.min(10_000, this.#intervalMs * 2 ** this.#failures));
      } finally {
        this.#inflight = [];
      }
    })();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }
}
