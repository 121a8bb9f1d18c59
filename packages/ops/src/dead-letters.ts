import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  StartMessageMoveTaskCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { Job } from 'bullmq';
import { registry } from '@fable-jobs/contracts';
import type { AuditRepo } from '@fable-jobs/db';
import { codeFromReason, type QueueSet } from '@fable-jobs/queue';
import type { Logger } from '@fable-jobs/runtime';
import { dashboardJobUrl } from './links.ts';

/** Attribute the bridge adds to a dead-lettered message (see the bridge package). */
const DLQ_ATTRIBUTE = 'fable_dlq';
const DLQ_WRAPPED_ATTRIBUTE = 'fable_dlq_wrapped';

export interface DeadLetter {
  /** `sqs:<MessageId in the DLQ>` or `job:<queue>/<jobId>`. */
  id: string;
  /** For a message the bridge dead-lettered: its MessageId in the main queue. */
  sourceMessageId?: string | undefined;
  source: 'sqs-dlq' | 'failed-job';
  /** The DLQ's name, or the BullMQ queue. */
  queue: string;
  /** Message type or job name. */
  type: string | undefined;
  code: string;
  reason: string;
  /** SQS receive count of the message, or the job's attempts. */
  count: number;
  firstSeen: string | undefined;
  lastSeen: string | undefined;
  dashboardUrl?: string | undefined;
  /** Only in `show`: the payload (message body and attributes, or job data). */
  body?: string | undefined;
  attributes?: Record<string, string> | undefined;
  data?: unknown;
}

export interface Actor {
  actor: string;
  source: 'cli' | 'admin-api' | 'dashboard';
  reason?: string | undefined;
}

export interface RedriveResult {
  mode: 'move-task' | 'manual';
  matched: number;
  moved: number;
  skipped: number;
  dryRun: boolean;
  taskHandle?: string | undefined;
}

interface Unwrapped {
  body: string;
  attributes: Record<string, MessageAttributeValue>;
  info: Record<string, unknown> | undefined;
}

/** The original message of a DLQ entry, with the bridge's attribute (or wrapper) taken off. */
function unwrap(m: Message): Unwrapped {
  const attrs = { ...(m.MessageAttributes ?? {}) };
  const wrapped = attrs[DLQ_WRAPPED_ATTRIBUTE]?.StringValue;
  if (wrapped) {
    const inner = JSON.parse(m.Body ?? '{}') as { body?: string; attributes?: Record<string, MessageAttributeValue> };
    return { body: inner.body ?? '', attributes: inner.attributes ?? {}, info: JSON.parse(wrapped) as Record<string, unknown> };
  }
  const raw = attrs[DLQ_ATTRIBUTE]?.StringValue;
  delete attrs[DLQ_ATTRIBUTE];
  return { body: m.Body ?? '', attributes: attrs, info: raw ? (JSON.parse(raw) as Record<string, unknown>) : undefined };
}

/** The message type named by a body (legacy: the body; JSON: its `type`). */
export function messageTypeOf(body: string): string | undefined {
  const t = body.trim();
  if (t.startsWith('{')) {
    try {
      const v = JSON.parse(t) as { type?: unknown };
      return typeof v.type === 'string' ? v.type : undefined;
    } catch {
      return undefined;
    }
  }
  return /^[A-Z][A-Z0-9_]*$/.test(t) ? t : undefined;
}

const flat = (attrs: Record<string, MessageAttributeValue>) =>
  Object.fromEntries(Object.entries(attrs).flatMap(([k, v]) => (v.StringValue !== undefined ? [[k, v.StringValue]] : [])));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The SQS dead-letter queue and BullMQ's failed jobs as one list, with redrive, purge and bulk
 * retry. Every change is written to the audit log.
 */
export class DeadLetters {
  readonly #d: { sqs: SQSClient; queueUrl: string; dlqUrl: string; queues: QueueSet; audit: AuditRepo; log: Logger; dashboardBase: string };

  constructor(deps: { sqs: SQSClient; queueUrl: string; dlqUrl: string; queues: QueueSet; audit: AuditRepo; log: Logger; dashboardBase?: string }) {
    this.#d = { dashboardBase: '/admin/queues', ...deps };
  }

  get dlqName(): string {
    return this.#d.dlqUrl.split('/').pop() ?? this.#d.dlqUrl;
  }

  #fromMessage(m: Message, withPayload: boolean): DeadLetter {
    const { body, attributes, info } = unwrap(m);
    const sent = m.Attributes?.['SentTimestamp'];
    return {
      id: `sqs:${m.MessageId}`,
      sourceMessageId: typeof info?.['sourceMessageId'] === 'string' ? info['sourceMessageId'] : undefined,
      source: 'sqs-dlq',
      queue: this.dlqName,
      type: messageTypeOf(body),
      code: typeof info?.['code'] === 'string' ? info['code'] : 'SQS_MAX_RECEIVES',
      reason: typeof info?.['reason'] === 'string' ? info['reason'] : 'moved by SQS after the redrive policy maxReceiveCount',
      count: Number(info?.['receiveCount'] ?? m.Attributes?.['ApproximateReceiveCount'] ?? 0),
      firstSeen: typeof info?.['sentAt'] === 'string' ? info['sentAt'] : sent ? new Date(Number(sent)).toISOString() : undefined,
      lastSeen: typeof info?.['deadLetteredAt'] === 'string' ? info['deadLetteredAt'] : undefined,
      ...(withPayload ? { body, attributes: flat(attributes) } : {}),
    };
  }

  #fromJob(job: Job, withPayload: boolean): DeadLetter {
    return {
      id: `job:${job.queueName}/${job.id}`,
      source: 'failed-job',
      queue: job.queueName,
      type: job.name,
      code: codeFromReason(job.failedReason),
      reason: job.failedReason ?? '',
      count: job.attemptsMade,
      firstSeen: new Date(job.timestamp).toISOString(),
      lastSeen: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
      dashboardUrl: dashboardJobUrl(this.#d.dashboardBase, job.queueName, job.id ?? ''),
      ...(withPayload ? { data: job.data } : {}),
    };
  }

  /** Peek at the DLQ without taking messages out: page through, then make them visible again. */
  async #peek(limit: number): Promise<Message[]> {
    const seen = new Map<string, Message>();
    try {
      while (seen.size < limit) {
        const r = await this.#d.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.#d.dlqUrl,
            MaxNumberOfMessages: Math.min(10, limit - seen.size),
            WaitTimeSeconds: 0,
            VisibilityTimeout: 30,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['All'],
          }),
        );
        const fresh = (r.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
        if (fresh.length === 0) break;
        for (const m of fresh) seen.set(m.MessageId ?? '', m);
      }
    } finally {
      await this.#release([...seen.values()]);
    }
    return [...seen.values()];
  }

  async #release(messages: Message[]): Promise<void> {
    for (let i = 0; i < messages.length; i += 10) {
      await this.#d.sqs
        .send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: this.#d.dlqUrl, Entries: messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })) }))
        .catch(() => {});
    }
  }

  #queueNames(queue?: string): string[] {
    if (queue && !registry.hasJob(queue)) throw new Error(`unknown queue "${queue}"`);
    return queue ? [queue] : registry.jobs().map((j) => j.name);
  }

  async list(opts: { limit?: number; source?: 'sqs' | 'jobs' | 'all'; queue?: string | undefined } = {}): Promise<DeadLetter[]> {
    const limit = opts.limit ?? 100;
    const out: DeadLetter[] = [];
    if (opts.source !== 'jobs' && !opts.queue) out.push(...(await this.#peek(limit)).map((m) => this.#fromMessage(m, false)));
    if (opts.source !== 'sqs') {
      for (const name of this.#queueNames(opts.queue)) {
        if (out.length >= limit) break;
        const failed = await this.#d.queues.get(name).getFailed(0, limit - out.length - 1);
        out.push(...failed.map((j) => this.#fromJob(j, false)));
      }
    }
    return out.slice(0, limit);
  }

  async show(id: string): Promise<DeadLetter | undefined> {
    if (id.startsWith('job:')) {
      const [queue, ...rest] = id.slice(4).split('/');
      if (!queue || !registry.hasJob(queue)) return undefined;
      const job = await this.#d.queues.get(queue).getJob(rest.join('/'));
      return job && (await job.isFailed()) ? this.#fromJob(job, true) : undefined;
    }
    const messageId = id.replace(/^sqs:/, '');
    const found = (await this.#peek(10_000)).find((m) => m.MessageId === messageId);
    return found ? this.#fromMessage(found, true) : undefined;
  }

  /**
   * Move DLQ messages back to the main queue. Without a type filter (and not a dry run) it uses
   * SQS's StartMessageMoveTask where the endpoint supports it; otherwise receive → send → delete,
   * in batches, at most `ratePerSecond`.
   */
  async redrive(opts: Actor & { dryRun?: boolean; type?: string | undefined; ratePerSecond?: number | undefined; max?: number | undefined; native?: boolean }): Promise<RedriveResult> {
    const dryRun = opts.dryRun ?? false;
    let result: RedriveResult | undefined;
    if (!opts.type && !dryRun && opts.native !== false) result = await this.#moveTask(opts.ratePerSecond);
    result ??= await this.#manualRedrive({ dryRun, type: opts.type, ratePerSecond: opts.ratePerSecond, max: opts.max ?? Number.MAX_SAFE_INTEGER });
    if (!dryRun) {
      await this.#d.audit.record({ actor: opts.actor, source: opts.source, action: 'dlq.redrive', target: this.dlqName, reason: opts.reason, details: { ...result, type: opts.type ?? null } });
    }
    return result;
  }

  async #moveTask(rate: number | undefined): Promise<RedriveResult | undefined> {
    const arn = async (url: string) =>
      (await this.#d.sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn', 'ApproximateNumberOfMessages'] }))).Attributes ?? {};
    try {
      const [source, dest] = await Promise.all([arn(this.#d.dlqUrl), arn(this.#d.queueUrl)]);
      const out = await this.#d.sqs.send(
        new StartMessageMoveTaskCommand({ SourceArn: source['QueueArn'], DestinationArn: dest['QueueArn'], ...(rate ? { MaxNumberOfMessagesPerSecond: Math.min(500, Math.max(1, rate)) } : {}) }),
      );
      const n = Number(source['ApproximateNumberOfMessages'] ?? 0);
      return { mode: 'move-task', matched: n, moved: n, skipped: 0, dryRun: false, taskHandle: out.TaskHandle };
    } catch (err) {
      // Emulators (and some regions' endpoints) do not implement it: fall back to moving by hand.
      this.#d.log.info({ err: (err as Error).name }, 'StartMessageMoveTask unavailable; redriving message by message');
      return undefined;
    }
  }

  async #manualRedrive(o: { dryRun: boolean; type: string | undefined; ratePerSecond: number | undefined; max: number }): Promise<RedriveResult> {
    const { sqs, dlqUrl, queueUrl } = this.#d;
    const hold: Message[] = [];
    let matched = 0;
    let moved = 0;
    let skipped = 0;
    const started = Date.now();
    while (moved + (o.dryRun ? matched : 0) < o.max) {
      const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 60, MessageAttributeNames: ['All'] }));
      const batch = r.Messages ?? [];
      if (batch.length === 0) break;
      const chosen: Message[] = [];
      for (const m of batch) {
        const type = messageTypeOf(unwrap(m).body);
        if ((o.type && type !== o.type) || chosen.length + moved >= o.max) {
          skipped += 1;
          hold.push(m);
        } else chosen.push(m);
      }
      matched += chosen.length;
      if (o.dryRun) {
        hold.push(...chosen);
        continue;
      }
      if (chosen.length > 0) {
        const sent = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chosen.map((m, i) => {
              const { body, attributes } = unwrap(m);
              return { Id: String(i), MessageBody: body, ...(Object.keys(attributes).length ? { MessageAttributes: attributes } : {}) };
            }),
          }),
        );
        // Delete only what the main queue accepted; the rest stays in the DLQ (nothing lost).
        const ok = new Set((sent.Successful ?? []).map((s) => Number(s.Id)));
        const accepted = chosen.filter((_, i) => ok.has(i));
        hold.push(...chosen.filter((_, i) => !ok.has(i)));
        if (accepted.length) {
          await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: dlqUrl, Entries: accepted.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }));
          moved += accepted.length;
        }
      }
      if (o.ratePerSecond) {
        const due = (moved / o.ratePerSecond) * 1000 - (Date.now() - started);
        if (due > 0) await sleep(due);
      }
    }
    // Make what we looked at but did not move visible again at once.
    await this.#release(hold);
    return { mode: 'manual', matched, moved, skipped, dryRun: o.dryRun };
  }

  /** Empty the SQS DLQ and/or remove failed jobs (of one queue, or all). */
  async purge(opts: Actor & { what: 'sqs' | 'jobs' | 'all'; queue?: string | undefined }): Promise<{ sqs: boolean; jobs: number }> {
    let jobs = 0;
    let sqs = false;
    if (opts.what !== 'jobs' && !opts.queue) {
      await this.#d.sqs.send(new PurgeQueueCommand({ QueueUrl: this.#d.dlqUrl }));
      sqs = true;
    }
    if (opts.what !== 'sqs') {
      for (const name of this.#queueNames(opts.queue)) jobs += (await this.#d.queues.get(name).clean(0, 100_000, 'failed')).length;
    }
    await this.#d.audit.record({ actor: opts.actor, source: opts.source, action: 'dlq.purge', target: opts.queue ?? (opts.what === 'jobs' ? 'all queues' : this.dlqName), reason: opts.reason, details: { what: opts.what, sqs, jobs } });
    return { sqs, jobs };
  }
}
