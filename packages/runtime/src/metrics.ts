import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

const RUN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600];
const WAIT_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/**
 * The fleet's Prometheus metrics, one registry per process. Names follow Prometheus
 * conventions: `_total` counters, `_seconds` durations, base units.
 */
export class Metrics {
  readonly registry = new Registry();

  readonly bridgeReceived = new Counter({ name: 'fable_bridge_messages_received_total', help: 'SQS messages received by the bridge.', registers: [this.registry] });
  readonly bridgeEnqueued = new Counter({ name: 'fable_bridge_messages_enqueued_total', help: 'Messages whose jobs Redis accepted, by message type.', labelNames: ['type'] as const, registers: [this.registry] });
  readonly bridgeDuplicates = new Counter({ name: 'fable_bridge_messages_duplicate_total', help: 'Redeliveries and re-sent idempotency keys recognised by the ledger or the job id.', registers: [this.registry] });
  readonly bridgeDeleted = new Counter({ name: 'fable_bridge_messages_deleted_total', help: 'Messages deleted from SQS after their jobs were accepted (or dead-lettered).', registers: [this.registry] });
  readonly bridgeDeadLettered = new Counter({ name: 'fable_bridge_messages_dead_lettered_total', help: 'Poison messages moved to the dead-letter queue, by error code.', labelNames: ['code'] as const, registers: [this.registry] });
  readonly bridgeEnqueueFailures = new Counter({ name: 'fable_bridge_enqueue_failures_total', help: 'Batches left in SQS because Redis or MySQL failed.', registers: [this.registry] });
  readonly bridgeLastReceive = new Gauge({ name: 'fable_bridge_last_receive_timestamp_seconds', help: 'Unix time of the last successful ReceiveMessage.', registers: [this.registry] });
  readonly bridgeBatchDuration = new Histogram({ name: 'fable_bridge_batch_duration_seconds', help: 'Time from receiving a batch until its good messages are enqueued (the poller then moves on; dead letters and deletes follow behind it).', buckets: RUN_BUCKETS, registers: [this.registry] });
  readonly bridgePaused = new Gauge({ name: 'fable_bridge_backpressure_paused', help: '1 while polling is paused because a target queue is over BRIDGE_MAX_WAITING.', registers: [this.registry] });

  readonly jobsCompleted = new Counter({ name: 'fable_jobs_completed_total', help: 'Jobs completed, by queue.', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly jobsFailed = new Counter({ name: 'fable_jobs_failed_total', help: 'Failed job attempts, by queue, error code and whether it was final.', labelNames: ['queue', 'code', 'final'] as const, registers: [this.registry] });
  readonly jobsRetried = new Counter({ name: 'fable_jobs_retried_total', help: 'Failed attempts that will be retried.', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly jobsStalled = new Counter({ name: 'fable_jobs_stalled_total', help: 'Jobs found stalled (lock lost) and handed on.', labelNames: ['queue'] as const, registers: [this.registry] });
  readonly jobRunSeconds = new Histogram({ name: 'fable_job_run_duration_seconds', help: 'Processor run time per attempt.', labelNames: ['queue'] as const, buckets: RUN_BUCKETS, registers: [this.registry] });
  readonly jobWaitSeconds = new Histogram({ name: 'fable_job_wait_duration_seconds', help: 'Time from enqueue (or due time) to start.', labelNames: ['queue'] as const, buckets: WAIT_BUCKETS, registers: [this.registry] });

  constructor(opts: { defaultMetrics?: boolean; labels?: Record<string, string> } = {}) {
    if (opts.labels) this.registry.setDefaultLabels(opts.labels);
    if (opts.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'fable_' });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
