import type { Logger } from '@fable-jobs/contracts';
import type { ApplicationLog, MainApiClient } from '../clients/main-api.ts';
import type { DeliveryRecord, WebhookDeliveriesRepo } from './deliveries-repo.ts';

export interface RecorderOptions {
  /** Rows are written in one INSERT at least this often... */
  flushMs: number;
  /** ...or as soon as this many are waiting. */
  batchSize: number;
  /** Above this many unfinished writes, recording waits (backpressure) instead of piling up. */
  maxPending: number;
}

/** Every string inside `v` through `scrub`: a record leaves the process, no secret may ride along. */
function scrubDeep<T>(v: T, scrub: (s: string) => string): T {
  if (typeof v === 'string') return scrub(v) as T;
  if (Array.isArray(v)) return v.map((x) => scrubDeep(x, scrub)) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrubDeep(x, scrub)])) as T;
  return v;
}

/**
 * Writes each delivery attempt behind the delivery: the row into `webhook_deliveries` in
 * batches, the WEBHOOK_EXEC line to the main API server at once but without holding the job's
 * slot. Both are best effort (a failure is logged, never fails the delivery); `close()` flushes.
 */
export class DeliveryRecorder {
  readonly #repo: WebhookDeliveriesRepo;
  readonly #mainApi: MainApiClient;
  readonly #log: Logger;
  readonly #o: RecorderOptions;
  readonly #scrub: ((s: string) => string) | undefined;
  readonly #pending = new Set<Promise<unknown>>();
  #rows: DeliveryRecord[] = [];
  #timer: NodeJS.Timeout | undefined;

  /** `scrub` removes configured secrets from every text of a record (reasons and bodies quote upstream answers). */
  constructor(repo: WebhookDeliveriesRepo, mainApi: MainApiClient, log: Logger, opts: Partial<RecorderOptions> & { scrub?: ((s: string) => string) | undefined } = {}) {
    this.#repo = repo;
    this.#mainApi = mainApi;
    this.#log = log;
    const { scrub, ...sizes } = opts;
    this.#o = { flushMs: 50, batchSize: 200, maxPending: 1000, ...sizes };
    this.#scrub = scrub;
  }

  #track(p: Promise<unknown>): void {
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async record(record: DeliveryRecord, logEntry: ApplicationLog | undefined): Promise<void> {
    const scrub = this.#scrub;
    const row = scrub ? scrubDeep(record, scrub) : record;
    const log = scrub && logEntry ? scrubDeep(logEntry, scrub) : logEntry;
    this.#rows.push(row);
    if (this.#rows.length >= this.#o.batchSize) this.#flushRows();
    else this.#timer ??= setTimeout(() => this.#flushRows(), this.#o.flushMs);
    if (log) {
      this.#track(
        this.#mainApi.addLog(log, AbortSignal.timeout(5000)).catch((err: Error) => this.#log.warn({ err: err.message, eventId: row.eventId }, 'could not log the webhook attempt to the main API server')),
      );
    }
    while (this.#pending.size > this.#o.maxPending) await Promise.race(this.#pending);
  }

  #flushRows(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const rows = this.#rows;
    this.#rows = [];
    if (rows.length === 0) return;
    this.#track(this.#repo.recordMany(rows).catch((err: Error) => this.#log.error({ err: err.message, rows: rows.length }, 'could not record webhook deliveries')));
  }

  /** Everything submitted so far is written (or has failed and been logged). */
  async flush(): Promise<void> {
    this.#flushRows();
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }
}
