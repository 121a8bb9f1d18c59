import type { JobRunEvent, JobRunsRepo } from '@fable-jobs/db';
import type { Logger } from '@fable-jobs/runtime';

/**
 * Write-behind buffer for job-run records: events are coalesced per job (the latest wins) and
 * flushed in one multi-row upsert per interval, so recording status costs MySQL one statement
 * per batch instead of two per job. A failed flush keeps the events and tries again.
 */
export class StatusRecorder {
  readonly #repo: JobRunsRepo;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  #buffer = new Map<string, JobRunEvent>();
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #dropped = 0;

  constructor(repo: JobRunsRepo, log: Logger, opts: { intervalMs: number; maxBuffered?: number }) {
    this.#repo = repo;
    this.#log = log;
    this.#intervalMs = opts.intervalMs;
    this.#maxBuffered = opts.maxBuffered ?? 100_000;
  }

  record(event: JobRunEvent): void {
    const key = `${event.queue}\u0000${event.jobId}`;
    const prev = this.#buffer.get(key);
    // Keep first-known facts (enqueue/start times, message id) when a later event lacks them.
    this.#buffer.set(
      key,
      prev
        ? {
            ...event,
            messageId: event.messageId ?? prev.messageId,
            source: event.source ?? prev.source,
            legacyKey: event.legacyKey ?? prev.legacyKey,
            enqueuedAt: event.enqueuedAt ?? prev.enqueuedAt,
            startedAt: event.startedAt ?? prev.startedAt,
          }
        : event,
    );
    if (this.#buffer.size > this.#maxBuffered) {
      const oldest = this.#buffer.keys().next().value;
      if (oldest !== undefined) this.#buffer.delete(oldest);
      this.#dropped += 1;
      if (this.#dropped % 1000 === 1) this.#log.error({ dropped: this.#dropped }, 'job-run records dropped: MySQL is not keeping up or is down');
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      void this.flush();
    }, this.#intervalMs);
  }

  /** Write everything buffered now (also used at shutdown). */
  async flush(): Promise<void> {
    if (this.#flushing) await this.#flushing;
    if (this.#buffer.size === 0) return;
    const batch = this.#buffer;
    this.#buffer = new Map();
    this.#flushing = (async () => {
      const events = [...batch.values()];
      try {
        for (let i = 0; i < events.length; i += 1000) await this.#repo.upsertMany(events.slice(i, i + 1000));
      } catch (err) {
        this.#log.warn({ err: (err as Error).message, events: events.length }, 'could not record job runs; will retry');
        // Put them back unless newer events for the same job arrived meanwhile.
        for (const [k, e] of batch) if (!this.#buffer.has(k)) this.#buffer.set(k, e);
        this.#timer ??= setTimeout(() => {
          this.#timer = undefined;
          void this.flush();
        }, Math.max(this.#intervalMs, 1000));
      }
    })();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
