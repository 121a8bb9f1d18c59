import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from '@opentelemetry/api';
import { ChangeMessageVisibilityBatchCommand, DeleteMessageBatchCommand, SendMessageBatchCommand, type Message, type MessageAttributeValue, type SQSClient } from '@aws-sdk/client-sqs';
import { Consumer } from 'sqs-consumer';
import {
  flattenAttributes,
  isRecord,
  jobIdFor,
  openEnvelope,
  registry,
  type JobMeta,
  type RoutedMessage,
} from '@fable-jobs/contracts';
import type { LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { enqueueBulk, type EnqueueRequest, type QueueSet } from '@fable-jobs/queue';
import { TRACER_NAME, claimInterval, sleep, type Config, type Logger, type Metrics } from '@fable-jobs/runtime';
import { confirmDurable, type Durability } from './durability.ts';
import { LedgerWriter } from './ledger-writer.ts';

export interface BridgeDeps {
  sqs: SQSClient;
  queueUrl: string;
  dlqUrl: string;
  queues: QueueSet;
  ledger: LedgerRepo;
  legacyJobs?: LegacyJobsRepo | undefined;
  log: Logger;
  metrics: Metrics;
  durability: Durability;
  options: Config['bridge'];
}

interface Accepted {
  msg: Message;
  key: string;
  jobId: string;
  explicitKey: boolean;
  routed: RoutedMessage;
  meta: JobMeta;
  span?: Span | undefined;
}

interface Rejected {
  msg: Message;
  code: string;
  reason: string;
  type?: string | undefined;
  span?: Span | undefined;
}

/** Attribute on a dead-lettered message: why it was rejected (one attribute; SQS allows 10). */
export const DLQ_ATTRIBUTE = 'fable_dlq';

/** Thrown before a receive that shutdown has overtaken (sqs-consumer then skips the receive). */
class BridgeStoppingError extends Error {
  override name = 'BridgeStoppingError';
  constructor() {
    super('bridge is stopping');
  }
}

/** How often the ledger is pruned (by one bridge process of the fleet). */
const PRUNE_INTERVAL_MS = 3_600_000;

/** Set when the original had too many attributes to add ours: the body is then a JSON wrapper. */
export const DLQ_WRAPPED_ATTRIBUTE = 'fable_dlq_wrapped';

async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function receiveCount(m: Message): number {
  return Number(m.Attributes?.ApproximateReceiveCount ?? '1') || 1;
}

function messageBytes(m: Message): number {
  let n = Buffer.byteLength(m.Body ?? '');
  for (const [k, v] of Object.entries(m.MessageAttributes ?? {})) n += Buffer.byteLength(k) + Buffer.byteLength(v.StringValue ?? '') + (v.DataType?.length ?? 0);
  return n;
}

/**
 * SQS → BullMQ. For each received batch: parse, validate and route every message; send poison
 * ones to the dead-letter queue with the reason; add the jobs of the good ones (job id = the
 * idempotency key, else the MessageId); wait for durability; only then let sqs-consumer delete
 * them. Accepted keys go to the MySQL ledger write-behind (see LedgerWriter). A Redis or MySQL failure leaves the messages in SQS.
 */
export class Bridge {
  readonly #d: BridgeDeps;
  readonly #consumers: Consumer[] = [];
  readonly #inflight = new Set<Promise<unknown>>();
  readonly #stop = new AbortController();
  #failures = 0;
  #paused = false;
  #waiting = 0;
  #lastReceiveAt = 0;
  #startedAt = 0;
  #timers: NodeJS.Timeout[] = [];

  readonly #ledger: LedgerWriter;
  /** Batches whose deletes (and dead-letter sends) are still running behind the polls. */
  #pendingDeletes = 0;
  /** Set when the queues trace: a span per message, its jobs added under it. */
  readonly #tracer: Tracer | undefined;

  constructor(deps: BridgeDeps) {
    this.#d = deps;
    this.#ledger = new LedgerWriter(deps.ledger, deps.log);
    this.#tracer = deps.queues.telemetry ? trace.getTracer(TRACER_NAME) : undefined;
  }

  start(): void {
    const o = this.#d.options;
    this.#startedAt = Date.now();
    for (let i = 0; i < o.pollers; i++) {
      const consumer = Consumer.create({
        queueUrl: this.#d.queueUrl,
        sqs: this.#d.sqs,
        batchSize: o.batchSize,
        waitTimeSeconds: o.waitTimeSeconds,
        visibilityTimeout: o.visibilityTimeoutSeconds,
        // sqs-consumer needs the heartbeat strictly inside the visibility timeout.
        heartbeatInterval: Math.max(1, Math.min(o.heartbeatSeconds, Math.floor(o.visibilityTimeoutSeconds / 2))),
        messageAttributeNames: ['All'],
        // Only what the bridge uses (duplicate checks; the send time goes into a dead letter's record).
        messageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
        strictReturn: true,
        handleMessageBatch: (messages) => this.#track(this.#handle(messages)),
        preReceiveMessageCallback: () => this.#beforeReceive(),
        postReceiveMessageCallback: async () => {
          this.#lastReceiveAt = Date.now();
          this.#d.metrics.bridgeLastReceive.set(this.#lastReceiveAt / 1000);
        },
      });
      consumer.on('error', (err) => {
        // The skipped receive of a stopping bridge, or a stalled poll aborted at shutdown, is no error.
        if (this.#stop.signal.aborted && /bridge is stopping|aborted/i.test(err.message)) return;
        this.#d.log.warn({ err: err.message, poller: i }, 'SQS error');
      });
      consumer.on('processing_error', (err) => this.#d.log.error({ err: err.message, poller: i }, 'batch handler error'));
      consumer.start();
      this.#consumers.push(consumer);
    }
    this.#timers.push(setInterval(() => void this.#checkBackpressure(), 1000));
    this.#timers.push(setInterval(() => void this.#publishLiveness(), 5000));
    void this.#publishLiveness();
    this.#timers.push(setInterval(() => void this.#prune(), PRUNE_INTERVAL_MS));
    for (const t of this.#timers) t.unref();
    void this.#prune();
    this.#d.log.info({ queueUrl: this.#d.queueUrl, pollers: o.pollers, durability: this.#d.durability.mode }, 'bridge polling');
  }

  /** Liveness for /ready and metrics: when did a ReceiveMessage last succeed. */
  liveness(): { ok: boolean; lastReceiveAgeMs: number | null; paused: boolean; failures: number; waitingPollers: number } {
    const since = this.#lastReceiveAt || this.#startedAt;
    const age = since ? Date.now() - since : null;
    // A long poll lasts up to waitTimeSeconds; allow three of them (or a slow enqueue) before calling it stuck.
    const limit = (this.#d.options.waitTimeSeconds * 3 + this.#d.options.visibilityTimeoutSeconds) * 1000;
    return { ok: this.#paused || (age !== null && age < limit), lastReceiveAgeMs: this.#lastReceiveAt ? Date.now() - this.#lastReceiveAt : null, paused: this.#paused, failures: this.#failures, waitingPollers: this.#waiting };
  }

  /** Liveness in Redis, so an API process elsewhere can tell whether any bridge is receiving. */
  async #publishLiveness(): Promise<void> {
    const l = this.liveness();
    try {
      await this.#d.queues.connection.set(bridgeLivenessKey(this.#d.queues.prefix), JSON.stringify({ ...l, at: Date.now() }), 'PX', 60_000);
    } catch {
      // Redis down: readiness shows it through the Redis check.
    }
  }

  /** How many pollers have a receive out (long poll or batch in hand) right now. */
  get polling(): number {
    return this.#consumers.filter((c) => c.status.isPolling).length;
  }

  /**
   * Shutdown phase 1: no new receives. A long poll already out is left to return (within
   * waitTimeSeconds) and its messages are handled: aborting the HTTP request does not cancel the
   * receive at SQS, which can still hand messages to it — invisible to every consumer until their
   * visibility timeout.
   */
  stopIntake(): void {
    this.#stop.abort();
    for (const t of this.#timers) clearInterval(t);
    for (const c of this.#consumers) c.stop();
  }

  /**
   * Shutdown phase 2: wait for outstanding long polls and the batches being enqueued (and their
   * deletes). A poll that outlives its wait time by 5 s, or the shutdown deadline, is aborted.
   */
  async drain(deadline: AbortSignal): Promise<void> {
    const stalled = AbortSignal.any([deadline, AbortSignal.timeout(this.#d.options.waitTimeSeconds * 1000 + 5000)]);
    const abortPolls = () => {
      for (const c of this.#consumers) c.abortController?.abort();
    };
    stalled.addEventListener('abort', abortPolls, { once: true });
    if (this.polling > 0) {
      // Otherwise a quiet shutdown of up to waitTimeSeconds looks like a hang.
      this.#d.log.info({ polls: this.polling, maxWaitSeconds: this.#d.options.waitTimeSeconds }, 'waiting for outstanding SQS long polls to return (their messages are enqueued, not stranded)');
    }
    try {
      while ((this.#inflight.size > 0 || this.polling > 0) && !deadline.aborted) {
        // A poll that returns starts a tracked batch or ends: look again shortly either way. (Never
        // race an empty allSettled: it settles at once, and the loop would starve the event loop.)
        const tick = sleep(25, deadline);
        await (this.#inflight.size > 0 ? Promise.race([Promise.allSettled([...this.#inflight]), tick]) : tick);
      }
    } finally {
      stalled.removeEventListener('abort', abortPolls);
    }
    await this.#ledger.flush();
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#inflight.add(p);
    void p.finally(() => this.#inflight.delete(p)).catch(() => {});
    return p;
  }

  async #beforeReceive(): Promise<void> {
    this.#waiting += 1;
    try {
      // After a failed batch, receive nothing until Redis and MySQL answer again: every receive of
      // a message counts toward the queue's maxReceiveCount, so polling blindly through an outage
      // would push good messages into the dead-letter queue.
      let delay = 100;
      while (this.#failures > 0 && !this.#stop.signal.aborted && !(await this.#dependenciesUp())) {
        await sleep(delay, this.#stop.signal);
        delay = Math.min(delay * 2, 5000);
      }
      while (this.#paused && !this.#stop.signal.aborted) await sleep(200, this.#stop.signal);
      // Shutting down: the receive this callback precedes must not start.
      if (this.#stop.signal.aborted) throw new BridgeStoppingError();
    } finally {
      this.#waiting -= 1;
    }
  }

  async #dependenciesUp(): Promise<boolean> {
    try {
      // A write, not a PING: a Redis at maxmemory (noeviction) answers PING but refuses writes.
      const probe = this.#d.queues.connection.set(`${this.#d.queues.prefix}:fable:bridge:probe`, String(Date.now()), 'PX', 10_000);
      await withTimeout(Promise.all([probe, this.#d.ledger.ping()]), 2000, 'dependency check');
      return true;
    } catch {
      return false;
    }
  }

  /**
   * One received batch. The bridge deletes what it handled itself, off the poll loop: the poller
   * receives its next batch while this one's delete (and dead-letter send) is on the wire, where
   * sqs-consumer would wait for it. Nothing is deleted before its jobs are accepted, so a crash in
   * between means a redelivery, which the job ids and the ledger turn into nothing. The deletes
   * are tracked before this batch's own tracking ends, so drain never sees a gap between them.
   */
  async #handle(messages: Message[]): Promise<Message[]> {
    const { enqueued, deadLettered } = await this.#handleBatch(messages);
    const deleting = this.#track(this.#delete(enqueued, deadLettered));
    // Behind the polls, but not without bound: with SQS stuck, the poller waits here.
    if (this.#pendingDeletes > this.#d.options.pollers * 4) await deleting;
    return []; // nothing for sqs-consumer to delete
  }

  async #delete(enqueued: Message[], deadLettered: Promise<Message[]>): Promise<void> {
    this.#pendingDeletes += 1;
    try {
      await Promise.all([this.#deleteNow(enqueued), deadLettered.then((moved) => this.#deleteNow(moved))]);
    } finally {
      this.#pendingDeletes -= 1;
    }
  }

  /**
   * Delete handled messages of one receive (at most 10, one call). An entry SQS refuses, or a call
   * that fails, leaves its message to come back after the visibility timeout: redelivered, it
   * adds no job (same job id, ledger), and is deleted then.
   */
  async #deleteNow(messages: Message[]): Promise<void> {
    if (messages.length === 0) return;
    try {
      const out = await this.#d.sqs.send(
        new DeleteMessageBatchCommand({ QueueUrl: this.#d.queueUrl, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }),
        // Past the visibility timeout the receipt handles are stale anyway: give up then.
        { abortSignal: AbortSignal.timeout(this.#d.options.visibilityTimeoutSeconds * 1000) },
      );
      const failed = out.Failed ?? [];
      this.#d.metrics.bridgeDeleted.inc(messages.length - failed.length);
      if (failed.length > 0) this.#d.log.warn({ failed: failed.length, reasons: [...new Set(failed.map((f) => f.Code))] }, 'SQS refused some deletes; those messages come back and are recognised as duplicates');
    } catch (err) {
      this.#d.log.warn({ err: (err as Error).message, messages: messages.length }, 'SQS delete failed; those messages come back and are recognised as duplicates');
    }
  }

  /** Put messages back soon (not after the whole visibility timeout) once a batch failed. */
  async #release(messages: Message[], seconds: number): Promise<void> {
    try {
      await this.#d.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.#d.queueUrl,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: seconds })),
        }),
      );
    } catch {
      // They come back after the visibility timeout anyway.
    }
  }

  async #checkBackpressure(): Promise<void> {
    const max = this.#d.options.maxWaiting;
    try {
      const names = routedQueueNames();
      const counts = await Promise.all(names.map((n) => this.#d.queues.get(n).getWaitingCount()));
      const over = names.filter((_, i) => (counts[i] ?? 0) > max);
      const paused = over.length > 0;
      if (paused !== this.#paused) this.#d.log.warn({ over, max }, paused ? 'backpressure: pausing SQS polling' : 'backpressure cleared: polling again');
      this.#paused = paused;
      this.#d.metrics.bridgePaused.set(paused ? 1 : 0);
    } catch {
      // Redis unreachable: enqueue fails too and the failure backoff applies.
    }
  }

  async #prune(): Promise<void> {
    try {
      // Every bridge process runs this timer; one of them prunes per hour.
      if (!(await claimInterval(this.#d.queues.connection, `${this.#d.queues.prefix}:fable:ledger-prune:lock`, PRUNE_INTERVAL_MS))) return;
      const before = new Date(Date.now() - this.#d.options.ledgerRetentionDays * 86_400_000);
      const n = await this.#d.ledger.prune(before);
      if (n > 0) this.#d.log.info({ pruned: n }, 'ledger pruned');
    } catch (err) {
      this.#d.log.warn({ err: (err as Error).message }, 'ledger prune failed');
    }
  }

  async #handleBatch(messages: Message[]): Promise<{ enqueued: Message[]; deadLettered: Promise<Message[]> }> {
    const t0 = process.hrtime.bigint();
    const { metrics, log } = this.#d;
    metrics.bridgeReceived.inc(messages.length);
    const accepted: Accepted[] = [];
    const rejected: Rejected[] = [];

    for (const msg of messages) {
      const attrs = flattenAttributes(msg.MessageAttributes);
      const span = this.#messageSpan(msg, attrs);
      if (messageBytes(msg) > this.#d.options.maxMessageBytes) {
        rejected.push({ msg, code: 'BRIDGE_OVERSIZE', reason: `message is ${messageBytes(msg)} bytes; the limit is ${this.#d.options.maxMessageBytes}`, span });
        continue;
      }
      const env = openEnvelope(msg.Body ?? '', attrs);
      if (!env.ok) {
        rejected.push({ msg, code: env.code, reason: env.reason, span });
        continue;
      }
      const routed = registry.route(env.value);
      if (!routed.ok) {
        rejected.push({ msg, code: routed.code, reason: routed.reason, type: env.value.type, span });
        continue;
      }
      const messageId = msg.MessageId ?? '';
      const key = env.value.idempotencyKey ?? messageId;
      const meta: JobMeta = { source: 'sqs', messageId, messageType: env.value.type };
      if (env.value.idempotencyKey) meta.idempotencyKey = env.value.idempotencyKey;
      if (env.value.traceparent) meta.traceparent = env.value.traceparent;
      const jobId = jobIdFor(key);
      span?.setAttributes({ 'fable.message.type': routed.value.type, 'fable.job.id': jobId, 'fable.job.queues': routed.value.jobs.map((j) => j.name) });
      accepted.push({ msg, key, jobId, explicitKey: env.value.idempotencyKey !== undefined, routed: routed.value, meta, span });
    }

    // Poison and good messages of one batch go their ways at the same time, and the poller waits
    // only for the good ones: a dead-letter send (an SQS round trip) runs behind, like the
    // deletes, and its messages are deleted once they are in the dead-letter queue. Neither path
    // throws: what it could not move stays in SQS.
    const deadLettered = rejected.length > 0 ? this.#deadLetter(rejected) : Promise.resolve([]);
    const enqueued = accepted.length > 0 ? await this.#accept(accepted) : [];
    metrics.bridgeBatchDuration.observe(Number(process.hrtime.bigint() - t0) / 1e9);
    return { enqueued, deadLettered };
  }

  /** Enqueue the routable messages (skipping those the ledger has seen); returns those safely in Redis. */
  async #accept(accepted: Accepted[]): Promise<Message[]> {
    const { metrics, log } = this.#d;
    try {
      // Only a redelivery or an explicit idempotency key can be a duplicate: skip the lookup otherwise.
      const suspects = accepted.filter((a) => a.explicitKey || receiveCount(a.msg) > 1).map((a) => a.key);
      const seen = suspects.length ? new Set([...(await this.#d.ledger.findAccepted(suspects)), ...this.#ledger.pendingAccepted(suspects)]) : new Set<string>();
      const fresh = accepted.filter((a) => !seen.has(a.key));
      const reqs: EnqueueRequest[] = fresh.flatMap((a) => a.routed.jobs.map((j) => ({ name: j.name, data: j.data, jobId: a.jobId, meta: a.meta })));
      if (reqs.length > 0) {
        const batch = this.#batchSpan(fresh, reqs.length);
        const enqueue = async () => {
          await enqueueBulk(this.#d.queues, reqs);
          await confirmDurable(this.#d.queues.connection, bridgeLivenessKey(this.#d.queues.prefix), this.#d.durability);
        };
        try {
          // Bounded: BullMQ waits for a reconnect indefinitely; the message must go back to SQS instead.
          await withTimeout(batch ? context.with(trace.setSpan(context.active(), batch), enqueue) : enqueue(), this.#d.options.enqueueTimeoutMs, 'Redis did not accept the batch');
        } catch (err) {
          batch?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
          throw err;
        } finally {
          batch?.end();
        }
      }
      const now = new Date();
      this.#ledger.record(
        accepted.map((a) => ({
          key: a.key,
          messageId: a.msg.MessageId ?? '',
          messageType: a.routed.type,
          status: 'accepted' as const,
          jobs: a.routed.jobs.map((j) => ({ queue: j.name, jobId: a.jobId })),
          seenAt: now,
        })),
      );
      for (const a of fresh) metrics.bridgeEnqueued.inc({ type: a.routed.type });
      if (seen.size > 0) {
        metrics.bridgeDuplicates.inc(accepted.length - fresh.length);
        log.info({ duplicates: [...seen].slice(0, 10) }, 'duplicate messages recognised by the ledger; not enqueued again');
      }
      for (const a of accepted) endSpan(a.span, seen.has(a.key) ? 'duplicate' : 'enqueued');
      this.#failures = 0;
      return accepted.map((a) => a.msg);
    } catch (err) {
      for (const a of accepted) endSpan(a.span, 'left-in-queue', 'BRIDGE_ENQUEUE_FAILED');
      this.#failures += 1;
      metrics.bridgeEnqueueFailures.inc();
      log.warn({ err: (err as Error).message, messages: accepted.length, failures: this.#failures }, 'could not enqueue a batch; leaving it in SQS for redelivery');
      await this.#release(accepted.map((a) => a.msg), Math.min(30, 2 ** Math.min(this.#failures, 5)));
      return [];
    }
  }

  /**
   * A message's span (CONSUMER), child of the producer's span when it sent a traceparent.
   * Attributes are ids and types only: payloads and their attributes never go into spans.
   */
  #messageSpan(msg: Message, attrs: Record<string, string>): Span | undefined {
    if (!this.#tracer) return undefined;
    const carrier: Record<string, string> = {};
    if (attrs['traceparent']) carrier['traceparent'] = attrs['traceparent'];
    if (attrs['tracestate']) carrier['tracestate'] = attrs['tracestate'];
    const queue = this.#d.queueUrl.split('/').pop() ?? '';
    return this.#tracer.startSpan(
      `process ${queue}`,
      {
        kind: SpanKind.CONSUMER,
        attributes: {
          'messaging.system': 'aws_sqs',
          'messaging.operation.type': 'process',
          'messaging.destination.name': queue,
          'messaging.message.id': msg.MessageId ?? '',
          'fable.sqs.receive_count': receiveCount(msg),
        },
      },
      propagation.extract(ROOT_CONTEXT, carrier),
    );
  }

  /**
   * The batch's bulk add (one addBulk per queue, many messages): a PRODUCER span linked to every
   * message span and back; each job is still added under its own message's span (bindTrace).
   */
  #batchSpan(fresh: Accepted[], jobs: number): Span | undefined {
    if (!this.#tracer) return undefined;
    const traced = fresh.filter((a): a is Accepted & { span: Span } => a.span !== undefined);
    const batch = this.#tracer.startSpan(
      'enqueue batch',
      { kind: SpanKind.PRODUCER, links: traced.map((a) => ({ context: a.span.spanContext() })), attributes: { 'messaging.batch.message_count': fresh.length, 'fable.job.count': jobs } },
      ROOT_CONTEXT,
    );
    for (const a of traced) {
      a.span.addLink({ context: batch.spanContext() });
      this.#d.queues.bindTrace(a.meta, trace.setSpan(ROOT_CONTEXT, a.span));
    }
    return batch;
  }

  /** Send poison messages to the DLQ (with the reason); returns those safely moved. */
  async #deadLetter(rejected: Rejected[]): Promise<Message[]> {
    const { sqs, dlqUrl, metrics, log } = this.#d;
    const now = new Date();
    const entries = rejected.map((r, i) => {
      const info = {
        code: r.code,
        reason: r.reason.slice(0, 1000),
        sourceMessageId: r.msg.MessageId,
        sourceQueue: this.#d.queueUrl.split('/').pop(),
        receiveCount: receiveCount(r.msg),
        sentAt: r.msg.Attributes?.SentTimestamp ? new Date(Number(r.msg.Attributes.SentTimestamp)).toISOString() : undefined,
        deadLetteredAt: now.toISOString(),
      };
      const original = r.msg.MessageAttributes ?? {};
      const fits = Object.keys(original).length < 10;
      const attributes: Record<string, MessageAttributeValue> = fits ? { ...original } : {};
      attributes[fits ? DLQ_ATTRIBUTE : DLQ_WRAPPED_ATTRIBUTE] = { DataType: 'String', StringValue: JSON.stringify(info) };
      const body = fits ? (r.msg.Body ?? '') : JSON.stringify({ body: r.msg.Body, attributes: original });
      return { Id: String(i), MessageBody: body.length > 0 ? body : ' ', MessageAttributes: attributes };
    });
    const moved: Rejected[] = [];
    try {
      for (let i = 0; i < entries.length; i += 10) {
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: dlqUrl, Entries: entries.slice(i, i + 10) }));
        for (const ok of out.Successful ?? []) {
          const r = rejected[Number(ok.Id)];
          if (r) moved.push(r);
        }
        for (const f of out.Failed ?? []) log.error({ id: f.Id, code: f.Code, err: f.Message }, 'dead-letter send refused; the message stays in the main queue');
      }
    } catch (err) {
      log.error({ err: (err as Error).message }, 'dead-letter queue unreachable; poison messages stay in the main queue (SQS redrive applies)');
    }
    for (const r of moved) {
      metrics.bridgeDeadLettered.inc({ code: r.code });
      log.warn({ messageId: r.msg.MessageId, code: r.code, reason: r.reason, type: r.type }, 'message dead-lettered');
    }
    for (const r of rejected) {
      // Only catalogue types: an unknown type is whatever the producer wrote.
      if (r.type && registry.message(r.type)) r.span?.setAttribute('fable.message.type', r.type);
      endSpan(r.span, moved.includes(r) ? 'dead-lettered' : 'left-in-queue', r.code);
    }
    if (moved.length > 0) {
      this.#ledger.record(
        moved.map((r) => ({ key: r.msg.MessageId ?? '', messageId: r.msg.MessageId ?? '', messageType: r.type, status: 'dead-lettered' as const, errorCode: r.code, reason: r.reason, seenAt: now })),
      );
      await this.#failLegacyRows(moved);
    }
    return moved.map((r) => r.msg);
  }

  /** A rejected message that names a legacy `jobs` row gets that row marked Failed with the reason. */
  async #failLegacyRows(moved: Rejected[]): Promise<void> {
    const legacy = this.#d.legacyJobs;
    if (!legacy) return;
    await Promise.all(
      moved.map(async (r) => {
        const key = legacyKeyOf(r);
        if (!key) return;
        try {
          await legacy.markFailed(key, `${r.code}: ${r.reason}`);
        } catch (err) {
          this.#d.log.warn({ err: (err as Error).message, key }, 'could not mark the jobs row failed');
        }
      }),
    );
  }
}

export const bridgeLivenessKey = (prefix: string) => `${prefix}:fable:bridge:liveness`;

/** Close a message span with what became of the message (and the error code when it failed). */
function endSpan(span: Span | undefined, outcome: 'enqueued' | 'duplicate' | 'dead-lettered' | 'left-in-queue', code?: string): void {
  if (!span) return;
  span.setAttribute('fable.bridge.outcome', outcome);
  if (code) {
    span.setAttribute('error.type', code);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
  span.end();
}

/**
 * Readiness of the bridges as seen from any process: the newest liveness a bridge published in
 * the last minute (absent: no bridge has run recently).
 */
export async function readBridgeLiveness(redis: { get(key: string): Promise<string | null> }, prefix: string): Promise<{ ok: boolean; detail: string }> {
  const raw = await redis.get(bridgeLivenessKey(prefix));
  if (!raw) return { ok: false, detail: 'no bridge has reported in the last minute' };
  const l = JSON.parse(raw) as { ok: boolean; lastReceiveAgeMs: number | null; paused: boolean; failures: number; at: number };
  return { ok: l.ok, detail: l.paused ? 'paused by backpressure' : `last receive ${l.lastReceiveAgeMs ?? '-'} ms before ${new Date(l.at).toISOString()}, ${l.failures} consecutive enqueue failures` };
}

/** Queues that SQS messages route to (backpressure watches these). */
function routedQueueNames(): string[] {
  const names = new Set<string>();
  for (const m of registry.messages()) for (const t of 'all' in m.routes ? m.routes.all : Object.values(m.routes.cases).flat()) names.add(t.job);
  return [...names];
}

function legacyKeyOf(r: Rejected): string | undefined {
  const type = r.type ?? (r.msg.Body ?? '').trim();
  const def = registry.message(type);
  if (!def) return undefined;
  const targets = 'all' in def.routes ? def.routes.all : Object.values(def.routes.cases).flat();
  const field = targets.map((t) => registry.job(t.job).legacyKeyField).find(Boolean);
  if (!field) return undefined;
  const attrs = flattenAttributes(r.msg.MessageAttributes);
  if (attrs[field]) return attrs[field];
  try {
    const parsed: unknown = JSON.parse(r.msg.Body ?? '');
    const data = isRecord(parsed) ? parsed['data'] : undefined;
    const v = isRecord(data) ? data[field] : undefined;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
