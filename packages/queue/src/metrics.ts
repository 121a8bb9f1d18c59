import { Gauge } from 'prom-client';
import type { Metrics } from '@fable-jobs/runtime';
import type { QueueSet } from './queues.ts';

const STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

/**
 * Queue depth per state, the age of the oldest waiting job and the number of connected workers,
 * read from Redis when scraped, for every queue of the catalogue.
 */
export function registerQueueGauges(metrics: Metrics, queues: QueueSet): void {
  const depth = new Gauge({
    name: 'fable_queue_jobs',
    help: 'Jobs in each queue by state.',
    labelNames: ['queue', 'state'] as const,
    registers: [metrics.registry],
    async collect() {
      const all = queues.all();
      const counts = await Promise.all(all.map((q) => q.getJobCounts(...STATES).catch(() => undefined)));
      this.reset();
      all.forEach((q, i) => {
        const c = counts[i];
        if (!c) return;
        for (const s of STATES) this.set({ queue: q.name, state: s }, c[s] ?? 0);
      });
    },
  });
  const oldest = new Gauge({
    name: 'fable_queue_oldest_waiting_age_seconds',
    help: 'Age of the oldest job waiting in each queue (0 when empty).',
    labelNames: ['queue'] as const,
    registers: [metrics.registry],
    async collect() {
      const all = queues.all();
      const now = Date.now();
      const jobs = await Promise.all(all.map((q) => q.getJobs(['wait'], 0, 0, true).catch(() => [])));
      this.reset();
      all.forEach((q, i) => {
        const j = jobs[i]?.[0];
        this.set({ queue: q.name }, j ? Math.max(0, now - j.timestamp) / 1000 : 0);
      });
    },
  });
  const workers = new Gauge({
    name: 'fable_queue_workers',
    help: 'BullMQ workers connected to each queue (Redis CLIENT LIST; 0 = no process will run its jobs).',
    labelNames: ['queue'] as const,
    registers: [metrics.registry],
    async collect() {
      const all = queues.all();
      const counts = await Promise.all(all.map((q) => q.getWorkersCount().catch(() => undefined)));
      this.reset();
      // A queue whose count could not be read is left out, not reported as 0 (that would page).
      all.forEach((q, i) => {
        const n = counts[i];
        if (n !== undefined) this.set({ queue: q.name }, n);
      });
    },
  });
  void depth;
  void oldest;
  void workers;
}
