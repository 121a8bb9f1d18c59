import { randomBytes } from 'node:crypto';
import { META_KEY, isRecord, registry, type JobMeta } from '@fable-jobs/contracts';
import { KEY_TYPES, type AuditRepo, type JobKeysRepo, type KeyType, type LedgerRepo } from '@fable-jobs/db';
import { InvalidJobDataError, codeFromReason, enqueue, type QueueSet } from '@fable-jobs/queue';
import type { Actor } from './dead-letters.ts';
import { jsonDiff, type Change } from './diff.ts';
import { dashboardJobUrl } from './links.ts';

export class OpsError extends Error {
  override readonly name = 'OpsError';
  readonly code: string;
  readonly status: number;
  constructor(code: string, message: string, status = 400) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

function payloadOf(data: unknown): { payload: Record<string, unknown>; meta: JobMeta | undefined } {
  if (!isRecord(data)) return { payload: {}, meta: undefined };
  const { [META_KEY]: meta, ...payload } = data;
  return { payload, meta: isRecord(meta) ? (meta as unknown as JobMeta) : undefined };
}

export interface ReplayResult {
  queue: string;
  jobId: string;
  replayOf: string;
  changes: Change[];
  dashboardUrl: string;
}

export interface SearchHit {
  key: { type: KeyType; value: string };
  queue: string;
  jobId: string;
  state: string;
  createdAt: string;
  failedReason?: string | undefined;
  dashboardUrl: string;
}

/** Replay, bulk retry and search of jobs; every change is audited. */
export class JobOps {
  readonly #d: { queues: QueueSet; audit: AuditRepo; keys: JobKeysRepo; ledger: LedgerRepo; dashboardBase: string };

  constructor(deps: { queues: QueueSet; audit: AuditRepo; keys: JobKeysRepo; ledger: LedgerRepo; dashboardBase?: string }) {
    this.#d = { dashboardBase: '/admin/queues', ...deps };
  }

  #queue(name: string) {
    if (!registry.hasJob(name)) throw new OpsError('OPS_UNKNOWN_QUEUE', `unknown queue "${name}"`, 404);
    return this.#d.queues.get(name);
  }

  /**
   * A new job from an existing one (failed or not), with its data or an edited copy: validated
   * against the job's schema, linked to the original (`_meta.replayOf`), audited with the diff.
   */
  async replay(opts: Actor & { queue: string; jobId: string; data?: Record<string, unknown> | undefined }): Promise<ReplayResult> {
    if (!opts.reason?.trim()) throw new OpsError('OPS_REASON_REQUIRED', 'a replay needs a reason');
    const original = await this.#queue(opts.queue).getJob(opts.jobId);
    if (!original) throw new OpsError('OPS_JOB_NOT_FOUND', `no job ${opts.queue}/${opts.jobId} (removed, or never existed)`, 404);
    const { payload, meta } = payloadOf(original.data);
    const data = opts.data ?? payload;
    const replayOf = `${opts.queue}/${opts.jobId}`;
    const jobId = `replay-${Date.now().toString(36)}${randomBytes(2).toString('hex')}-${opts.jobId}`.slice(0, 250);
    let job;
    try {
      job = await enqueue(this.#d.queues, {
        name: opts.queue as never,
        data,
        jobId,
        meta: { ...(meta ?? {}), source: 'operator', replayOf },
      });
    } catch (err) {
      if (err instanceof InvalidJobDataError) throw new OpsError('OPS_INVALID_DATA', err.message);
      throw err;
    }
    const changes = jsonDiff(payload, data);
    await this.#d.audit.record({ actor: opts.actor, source: opts.source, action: 'job.replay', target: replayOf, reason: opts.reason, details: { newJobId: job.id, changes } });
    return { queue: opts.queue, jobId: job.id ?? jobId, replayOf, changes, dashboardUrl: dashboardJobUrl(this.#d.dashboardBase, opts.queue, job.id ?? jobId) };
  }

  /** Retry failed jobs, filtered by queue, error code and time of failure. */
  async retryFailed(opts: Actor & { queue?: string | undefined; code?: string | undefined; since?: Date | undefined; until?: Date | undefined; limit?: number | undefined; dryRun?: boolean }): Promise<{ retried: number; jobs: string[] }> {
    const names = opts.queue ? [this.#queue(opts.queue).name] : registry.jobs().map((j) => j.name);
    const limit = opts.limit ?? 10_000;
    const picked: string[] = [];
    for (const name of names) {
      const queue = this.#d.queues.get(name);
      for (let start = 0; picked.length < limit; start += 500) {
        const page = await queue.getFailed(start, start + 499);
        if (page.length === 0) break;
        for (const job of page) {
          if (picked.length >= limit) break;
          if (opts.code && codeFromReason(job.failedReason) !== opts.code) continue;
          const at = job.finishedOn ?? job.timestamp;
          if ((opts.since && at < opts.since.getTime()) || (opts.until && at > opts.until.getTime())) continue;
          picked.push(`${name}/${job.id}`);
          if (!opts.dryRun) await job.retry('failed');
        }
        if (page.length < 500) break;
      }
    }
    if (!opts.dryRun) {
      await this.#d.audit.record({
        actor: opts.actor,
        source: opts.source,
        action: 'jobs.retry',
        target: opts.queue ?? 'all queues',
        reason: opts.reason,
        details: { code: opts.code ?? null, since: opts.since?.toISOString() ?? null, until: opts.until?.toISOString() ?? null, retried: picked.length, jobs: picked.slice(0, 200) },
      });
    }
    return { retried: picked.length, jobs: picked };
  }

  /** Message ids and idempotency keys are in the bridge's ledger; the other keys in job_keys. */
  async #find(type: KeyType, value: string, limit: number): Promise<Array<{ queue: string; jobId: string; createdAt: Date }>> {
    if (type === 'message_id') {
      const entries = await this.#d.ledger.findByMessageId(value);
      return entries.flatMap((e) => e.jobs.map((j) => ({ queue: j.queue, jobId: j.jobId, createdAt: e.firstSeen }))).slice(0, limit);
    }
    if (type === 'idempotency_key') {
      const entry = await this.#d.ledger.get(value);
      if (!entry || entry['status'] !== 'accepted') return [];
      const jobs = (entry['jobs'] ?? []) as Array<{ queue: string; jobId: string }>;
      return jobs.map((j) => ({ queue: j.queue, jobId: j.jobId, createdAt: entry['first_seen_at'] as Date })).slice(0, limit);
    }
    return this.#d.keys.find(type, value, limit);
  }

  /** Jobs by business key (org id, legacy job_key, SQS MessageId, idempotency key, demo rid, integration id). */
  async search(type: string, value: string, limit = 50): Promise<SearchHit[]> {
    if (!(KEY_TYPES as readonly string[]).includes(type)) throw new OpsError('OPS_UNKNOWN_KEY', `search by one of ${KEY_TYPES.join(', ')}`);
    const found = await this.#find(type as KeyType, value, limit);
    return Promise.all(
      found.map(async (f) => {
        const job = registry.hasJob(f.queue) ? await this.#d.queues.get(f.queue).getJob(f.jobId) : undefined;
        return {
          key: { type: type as KeyType, value },
          queue: f.queue,
          jobId: f.jobId,
          state: job ? await job.getState() : 'removed',
          createdAt: f.createdAt.toISOString(),
          failedReason: job?.failedReason || undefined,
          dashboardUrl: dashboardJobUrl(this.#d.dashboardBase, f.queue, f.jobId),
        };
      }),
    );
  }
}
