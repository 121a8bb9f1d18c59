import { isRecord, registry } from '@fable-jobs/contracts';
import type { JobKey, JobKeysRepo, KeyType } from '@fable-jobs/db';
import type { Logger } from '@fable-jobs/runtime';

/** Job data fields that carry each business key (by convention across the catalogue). */
const FIELDS: Partial<Record<KeyType, readonly string[]>> = {
  org: ['orgId', 'orgIdStr'],
  rid: ['rid', 'demoRid'],
  integration: ['integrationId'],
};

/** The business keys of one job: from its data and its legacy key field. */
export function jobKeysOf(queue: string, jobId: string, data: Record<string, unknown>, at = new Date()): JobKey[] {
  const keys: JobKey[] = [];
  const push = (type: KeyType, v: unknown) => {
    if ((typeof v === 'string' && v.length > 0) || typeof v === 'number') keys.push({ type, value: String(v), queue, jobId, createdAt: at });
  };
  for (const [type, fields] of Object.entries(FIELDS) as Array<[KeyType, readonly string[]]>) for (const f of fields) push(type, data[f]);
  const legacy = registry.hasJob(queue) ? registry.job(queue).legacyKeyField : undefined;
  if (legacy) push('job_key', data[legacy]);
  // SQS MessageIds and idempotency keys (in the job's metadata) are found through the bridge's
  // ledger instead: indexing them here would write a row for every job.
  return keys;
}

/** Batches index rows (one insert per interval) so enqueue does not wait on MySQL. */
export class JobIndexWriter {
  readonly #repo: JobKeysRepo;
  readonly #log: Logger;
  readonly #intervalMs: number;
  #buffer: JobKey[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;

  constructor(repo: JobKeysRepo, log: Logger, opts: { intervalMs?: number } = {}) {
    this.#repo = repo;
    this.#log = log;
    this.#intervalMs = opts.intervalMs ?? 100;
  }

  added(queue: string, jobId: string | undefined, data: unknown): void {
    if (!jobId || !isRecord(data)) return;
    const keys = jobKeysOf(queue, jobId, data);
    if (keys.length === 0) return;
    this.#buffer.push(...keys);
    if (this.#buffer.length > 100_000) this.#buffer.splice(0, this.#buffer.length - 100_000);
    this.#timer ??= setTimeout(() => void this.flush(), this.#intervalMs);
  }

  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#flushing) await this.#flushing;
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#repo.add(batch).then(
      () => undefined,
      (err: Error) => {
        this.#log.warn({ err: err.message, keys: batch.length }, 'search index write failed; will retry');
        this.#buffer.unshift(...batch);
        this.#timer ??= setTimeout(() => void this.flush(), 2000);
      },
    );
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }
}
