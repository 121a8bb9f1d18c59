import { META_KEY, registry, type JobMeta } from '@fable-jobs/contracts';
import { InvalidJobDataError } from './enqueue.ts';
import type { QueueSet } from './queues.ts';

export interface ScheduleSpec {
  /** The job the schedule adds; also the scheduler id, so a job has at most one schedule. */
  job: string;
  /** Cron pattern (5 fields, or 6 with seconds first); null removes the job's schedule. */
  cron: string | null;
  /** IANA time zone the pattern is read in. */
  tz: string;
  /** Job data of every scheduled run (checked against the job's schema). */
  data: Record<string, unknown>;
}

export interface ScheduleResult {
  job: string;
  action: 'upserted' | 'removed' | 'absent';
  /** When the next run is due (epoch ms), for upserted schedules. */
  nextAt?: number | undefined;
}

/**
 * Create, update or remove BullMQ job schedulers (id = job name). Every replica calls this at
 * start: `upsertJobScheduler` is idempotent by id, so there is still one scheduler (and one next
 * job) per job, and a restart with a changed pattern or time zone updates it in place.
 * Scheduler-made jobs do not take part in BullMQ deduplication (`coalesce`): a job that must
 * not overlap with a triggered run guards itself (the analytics pool takes a lock per kind).
 */
export async function upsertSchedules(queues: QueueSet, schedules: readonly ScheduleSpec[]): Promise<ScheduleResult[]> {
  const seen = new Set<string>();
  for (const s of schedules) {
    if (seen.has(s.job)) throw new Error(`job ${s.job} is scheduled twice`);
    seen.add(s.job);
    const valid = registry.validateJob(s.job, s.data);
    if (!valid.ok) throw new InvalidJobDataError(`schedule of ${s.job}: ${valid.reason}`);
  }
  const meta: JobMeta = { source: 'schedule' };
  return Promise.all(
    schedules.map(async (s): Promise<ScheduleResult> => {
      const queue = queues.get(s.job);
      if (s.cron === null) return { job: s.job, action: (await queue.removeJobScheduler(s.job)) ? 'removed' : 'absent' };
      await queue.upsertJobScheduler(s.job, { pattern: s.cron, tz: s.tz }, { name: s.job, data: { ...s.data, [META_KEY]: meta } });
      return { job: s.job, action: 'upserted', nextAt: (await queue.getJobScheduler(s.job))?.next };
    }),
  );
}
