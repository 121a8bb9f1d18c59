import type { Job, JobsOptions } from 'bullmq';
import { META_KEY, registry, type JobData, type JobMeta, type JobName } from '@fable-jobs/contracts';
import type { QueueSet } from './queues.ts';

export class InvalidJobDataError extends Error {
  override readonly name = 'InvalidJobDataError';
  readonly code = 'JOB_INVALID_DATA';
}

export interface EnqueueRequest<N extends JobName = JobName> {
  name: N;
  data: JobData<N> | Record<string, unknown>;
  /** Deterministic id (from an idempotency key): a second add with the same id is a no-op. */
  jobId?: string | undefined;
  meta?: JobMeta | undefined;
  opts?: Pick<JobsOptions, 'delay' | 'priority' | 'parent' | 'failParentOnFailure'> | undefined;
}

function withMeta(data: Record<string, unknown>, meta: JobMeta | undefined): Record<string, unknown> {
  return meta ? { ...data, [META_KEY]: meta } : data;
}

function check(req: { name: string; data: unknown }): void {
  const result = registry.validateJob(req.name, req.data);
  if (!result.ok) throw new InvalidJobDataError(result.reason);
}

/** Validate against the job's schema, then add. */
export async function enqueue<N extends JobName>(queues: QueueSet, req: EnqueueRequest<N>): Promise<Job> {
  check(req);
  const queue = queues.get(req.name);
  return queue.add(req.name, withMeta(req.data as Record<string, unknown>, req.meta), {
    ...(req.jobId ? { jobId: req.jobId } : {}),
    ...req.opts,
  });
}

/** Validate all, then add per queue with one addBulk each (atomic per queue). */
export async function enqueueBulk(queues: QueueSet, reqs: readonly EnqueueRequest[]): Promise<Job[]> {
  for (const r of reqs) check(r);
  const byQueue = new Map<string, EnqueueRequest[]>();
  for (const r of reqs) {
    const list = byQueue.get(r.name) ?? [];
    list.push(r);
    byQueue.set(r.name, list);
  }
  const added = await Promise.all(
    [...byQueue].map(([name, list]) =>
      queues.get(name).addBulk(
        list.map((r) => ({
          name,
          data: withMeta(r.data as Record<string, unknown>, r.meta),
          opts: { ...(r.jobId ? { jobId: r.jobId } : {}), ...r.opts },
        })),
      ),
    ),
  );
  return added.flat();
}
