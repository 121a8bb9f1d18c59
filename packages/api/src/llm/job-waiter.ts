import type { QueueSet } from '@fable-jobs/queue';
import type { Redis } from 'ioredis';

type LlmQueue = ReturnType<QueueSet['get']>;
type QueueEvents = ReturnType<QueueSet['queueEvents']>;

export type JobOutcome = { state: 'completed'; value: unknown } | { state: 'failed'; reason: string } | { state: 'timeout' };

/**
 * Waits for jobs of one queue through a single QueueEvents stream (one blocking connection for
 * all waiting requests, not one per request). A job that finished before the wait started is
 * answered from its stored state.
 */
export class JobWaiter {
  readonly #queue: LlmQueue;
  readonly #events: QueueEvents;
  readonly #pending = new Map<string, Set<(o: JobOutcome) => void>>();

  constructor(queues: QueueSet, name: string, blockingConnection: Redis) {
    this.#queue = queues.get(name);
    this.#events = queues.queueEvents(name, blockingConnection);
    this.#events.on('completed', ({ jobId, returnvalue }) => this.#settle(jobId, { state: 'completed', value: returnvalue }));
    this.#events.on('failed', ({ jobId, failedReason }) => this.#settle(jobId, { state: 'failed', reason: failedReason }));
    this.#events.on('error', () => {});
  }

  ready(): Promise<void> {
    return this.#events.waitUntilReady().then(() => undefined);
  }

  async wait(jobId: string, timeoutMs: number): Promise<JobOutcome> {
    let resolveOutcome!: (o: JobOutcome) => void;
    const outcome = new Promise<JobOutcome>((r) => (resolveOutcome = r));
    const listeners = this.#pending.get(jobId) ?? new Set();
    listeners.add(resolveOutcome);
    this.#pending.set(jobId, listeners);
    const timer = setTimeout(() => resolveOutcome({ state: 'timeout' }), timeoutMs);
    try {
      // Finished before we listened (fast worker, or a status poll of an old job)?
      const job = await this.#queue.getJob(jobId);
      if (job?.finishedOn) {
        if (job.failedReason && (await job.isFailed())) resolveOutcome({ state: 'failed', reason: job.failedReason });
        else if (await job.isCompleted()) resolveOutcome({ state: 'completed', value: job.returnvalue });
      }
      return await outcome;
    } finally {
      clearTimeout(timer);
      listeners.delete(resolveOutcome);
      if (listeners.size === 0) this.#pending.delete(jobId);
    }
  }

  #settle(jobId: string, outcome: JobOutcome): void {
    for (const r of this.#pending.get(jobId) ?? []) r(outcome);
  }

  async close(): Promise<void> {
    await this.#events.close();
  }
}
