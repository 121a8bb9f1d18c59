import type { Job, JobsOptions } from 'bullmq';
import { META_KEY, registry, type JobData, type JobMeta, type JobName } from '@fable-jobs/contracts';
import type { QueueSet } from './queues.ts';
import { isRecord } from '@fable-jobs/contracts';

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

/** The fairness key of a job's data, when its definition asks for fair share. */
export function fairnessKey(name: string, data: unknown): string | undefined {
  const fairness = registry.job(name).fairness;
  if (!fairness || !isRecord(data)) return undefined;
  const v = data[fairness.keyField];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : undefined;
}

/** Priorities for fair share (undefined where the job has no fairness key). */
async function fairPriorities(queues: QueueSet, name: string, reqs: ReadonlyArray<{ data: unknown }>): Promise<Array<number | undefined>> {
  const keys = reqs.map((r) => fairnessKey(name, r.data));
  const present = keys.filter((k): k is string => k !== undefined);
  if (present.length === 0) return keys.map(() => undefined);
  const prios = await queues.fairness.priorities(name, present);
  let i = 0;
  return keys.map((k) => (k === undefined ? undefined : prios[i++]));
}

/** Validate against the job's schema, then add. */
export async function enqueue<N extends JobName>(queues: QueueSet, req: EnqueueRequest<N>): Promise<Job> {
  check(req);
  const queue = queues.get(req.name);
  const [priority] = await fairPriorities(queues, req.name, [req]);
  const data = withMeta(req.data as Record<string, unknown>, req.meta);
  const job = await queue.add(req.name, data, {
    ...(req.jobId ? { jobId: req.jobId } : {}),
    ...(priority ? { priority } : {}),
    ...req.opts,
  });
  queues.index?.added(req.name, job.id, data);
  return job;
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
    [...byQueue].map(async ([name, list]) => {
      const priorities = await fairPriorities(queues, name, list);
      return queues.get(name).addBulk(
        list.map((r, i) => ({
          name,
          data: withMeta(r.data as Record<string, unknown>, r.meta),
          opts: { ...(r.jobId ? { jobId: r.jobId } : {}), ...(priorities[i] ? { priority: priorities[i] } : {}), ...r.opts },
        })),
      );
    }),
  );
  const jobs = added.flat();
  for (const j of jobs) queues.index?.added(j.queueName, j.id, j.data);
  return jobs;
}
