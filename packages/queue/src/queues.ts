import { context, propagation, ROOT_CONTEXT, trace, type Context, type Span as OtelSpan } from '@opentelemetry/api';
import { Queue, QueueEvents, type Attributes, type QueueOptions, type Span, type Telemetry } from 'bullmq';
import type { Redis } from 'ioredis';
import { META_KEY, isRecord, registry, type JobName } from '@fable-jobs/contracts';
import { TRACER_NAME, type JobOverride } from '@fable-jobs/runtime';
import { Fairness } from './fairness.ts';
import type { JobIndexWriter } from './job-index.ts';
import { jobOptions, resolveJob, type ResolvedJob } from './job-options.ts';

/** BullMQ span attributes that carry a job's result or progress: never exported. */
const PAYLOAD_ATTRIBUTES = new Set(['bullmq.job.result', 'bullmq.job.progress']);

function withoutPayloads(attributes: Attributes): Attributes {
  const out: Attributes = {};
  for (const [k, v] of Object.entries(attributes)) if (!PAYLOAD_ATTRIBUTES.has(k)) out[k] = v;
  return out;
}

function fleetSpan(span: OtelSpan): Span<Context> {
  return {
    setSpanOnContext: (ctx) => trace.setSpan(ctx, span),
    setAttribute: (key, value) => void (PAYLOAD_ATTRIBUTES.has(key) || span.setAttribute(key, value)),
    setAttributes: (attributes) => void span.setAttributes(withoutPayloads(attributes)),
    addEvent: (name, attributes) => void span.addEvent(name, attributes && withoutPayloads(attributes)),
    recordException: (exception, time) => span.recordException(exception, time),
    end: () => span.end(),
  };
}

/**
 * BullMQ's telemetry interface on the OpenTelemetry API: what the bullmq-otel package does, plus
 * `root()` (stalled checks start their own trace) and without job results or progress in spans.
 * Not bullmq-otel itself: bullmq lists it as an optional peer, and depending on it here makes
 * pnpm install a second bullmq for this package alone.
 */
function fleetTelemetry(): Telemetry<Context> {
  const tracer = trace.getTracer(TRACER_NAME);
  return {
    contextManager: {
      with: (ctx, fn) => context.with(ctx, fn),
      active: () => context.active(),
      root: () => ROOT_CONTEXT,
      getMetadata(ctx) {
        const carrier: Record<string, string> = {};
        propagation.inject(ctx, carrier);
        return JSON.stringify(carrier);
      },
      fromMetadata(active, metadata) {
        try {
          return propagation.extract(active, JSON.parse(metadata));
        } catch {
          return active;
        }
      },
    },
    tracer: { startSpan: (name, options, ctx) => fleetSpan(tracer.startSpan(name, options ? { kind: options.kind as number } : {}, ctx)) },
  };
}

type BulkJobs = Parameters<Queue['addBulk']>[0];

/** A queue whose bulk adds put each job under the trace context bound to its `_meta` (see QueueSet.bindTrace). */
class TracedQueue extends Queue {
  readonly #traceOf: (data: unknown) => string | undefined;

  constructor(name: string, opts: QueueOptions, traceOf: (data: unknown) => string | undefined) {
    super(name, opts);
    this.#traceOf = traceOf;
  }

  override addBulk(jobs: BulkJobs): ReturnType<Queue['addBulk']> {
    return super.addBulk(
      jobs.map((j) => {
        const metadata = this.#traceOf(j.data);
        return metadata && !j.opts?.telemetry ? { ...j, opts: { ...j.opts, telemetry: { metadata } } } : j;
      }),
    );
  }
}

/**
 * One BullMQ queue per job name, created lazily on a shared connection. Producers (bridge,
 * API) and workers read the same catalogue, so options match everywhere. With `tracing`, queues
 * and workers emit OpenTelemetry spans (BullMQ's telemetry) and jobs carry their trace context.
 */
export class QueueSet {
  readonly prefix: string;
  readonly fairness: Fairness;
  /** Where added jobs are indexed by business key (search); absent in tests that do not need it. */
  readonly index: JobIndexWriter | undefined;
  /** BullMQ telemetry for queues and workers; undefined when tracing is off (no overhead at all). */
  readonly telemetry: Telemetry<Context> | undefined;
  readonly #traces = new WeakMap<object, string>();
  readonly #connection: Redis;
  readonly #overrides: Record<string, JobOverride>;
  readonly #queues = new Map<string, Queue>();
  readonly #resolved = new Map<string, ResolvedJob>();

  constructor(opts: { connection: Redis; prefix: string; overrides?: Record<string, JobOverride>; index?: JobIndexWriter; tracing?: boolean }) {
    this.#connection = opts.connection;
    this.prefix = opts.prefix;
    this.#overrides = opts.overrides ?? {};
    this.fairness = new Fairness(opts.connection, opts.prefix);
    this.index = opts.index;
    this.telemetry = opts.tracing ? fleetTelemetry() : undefined;
  }

  /**
   * Add the jobs whose `_meta` is this object under `ctx` (their own message's span) rather than
   * the context of the bulk add carrying them: one addBulk holds the jobs of many messages.
   */
  bindTrace(meta: object, ctx: Context): void {
    if (this.telemetry) this.#traces.set(meta, this.telemetry.contextManager.getMetadata(ctx));
  }

  #traceOf = (data: unknown): string | undefined => {
    const meta = isRecord(data) ? data[META_KEY] : undefined;
    return isRecord(meta) ? this.#traces.get(meta) : undefined;
  };

  get connection(): Redis {
    return this.#connection;
  }

  resolved(name: string): ResolvedJob {
    let r = this.#resolved.get(name);
    if (!r) {
      r = resolveJob(registry.job(name), this.#overrides);
      this.#resolved.set(name, r);
    }
    return r;
  }

  get(name: JobName | string): Queue {
    let q = this.#queues.get(name);
    if (!q) {
      const resolved = this.resolved(name);
      const opts: QueueOptions = { connection: this.#connection, prefix: this.prefix, defaultJobOptions: jobOptions(resolved) };
      q = this.telemetry ? new TracedQueue(name, { ...opts, telemetry: this.telemetry }, this.#traceOf) : new Queue(name, opts);
      // Errors surface on the calls that fail; this keeps an unhandled 'error' from crashing the process.
      q.on('error', () => {});
      this.#queues.set(name, q);
    }
    return q;
  }

  /** Every queue of the catalogue (for the dashboard and metrics). */
  all(): Queue[] {
    return registry.jobs().map((j) => this.get(j.name));
  }

  queueEvents(name: string, connection: Redis): QueueEvents {
    return new QueueEvents(name, { connection, prefix: this.prefix });
  }

  async close(): Promise<void> {
    await this.index?.flush().catch(() => {});
    await Promise.allSettled([...this.#queues.values()].map((q) => q.close()));
    this.#queues.clear();
  }
}
