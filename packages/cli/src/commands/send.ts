import { readFile } from 'node:fs/promises';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { encodeMessage, isRecord, registry, toSqsAttributes } from '@fable-jobs/contracts';
import type { Config } from '@fable-jobs/runtime';
import { createSqsClient } from '@fable-jobs/runtime';

export interface SendOptions {
  type: string;
  format: 'legacy' | 'json';
  data: Record<string, unknown>;
  attrs: Record<string, string>;
  count: number;
  concurrency: number;
  queueUrl?: string | undefined;
  queueName?: string | undefined;
  endpoint?: string | undefined;
  region?: string | undefined;
  idempotencyKey?: string | undefined;
  /** Append -<n> to the idempotency key of message n (distinct keys per message). */
  uniqueKeys: boolean;
  /** Send even if the type is not in the catalogue (to test dead-lettering). */
  force: boolean;
  progress?: ((sent: number, total: number) => void) | undefined;
}

export async function parseData(raw: string | undefined): Promise<Record<string, unknown>> {
  if (!raw) return {};
  const text = raw.startsWith('@') ? await readFile(raw.slice(1), 'utf8') : raw;
  const parsed: unknown = JSON.parse(text);
  if (!isRecord(parsed)) throw new Error('--data must be a JSON object');
  return parsed;
}

/** Send `count` copies of one message (batches of 10, `concurrency` batches at a time). */
export async function send(config: Config, o: SendOptions): Promise<{ sent: number; failed: number; queueUrl: string; ms: number }> {
  if (!o.force && !registry.message(o.type)) {
    throw new Error(`unknown message type ${o.type} (known: ${registry.messages().map((m) => m.type).join(', ')}); --force sends it anyway`);
  }
  const sqs: SQSClient = o.endpoint
    ? new SQSClient({ region: o.region ?? config.sqs.region, endpoint: o.endpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
    : createSqsClient(config);
  try {
    const queueUrl = o.queueUrl ?? (await sqs.send(new GetQueueUrlCommand({ QueueName: o.queueName ?? config.sqs.queueName }))).QueueUrl;
    if (!queueUrl) throw new Error('queue not found');
    const t0 = Date.now();
    let next = 0;
    let sent = 0;
    let failed = 0;
    const worker = async () => {
      for (;;) {
        const start = next;
        if (start >= o.count) return;
        next = Math.min(o.count, start + 10);
        const entries = [];
        for (let i = start; i < next; i++) {
          const key = o.idempotencyKey ? (o.uniqueKeys ? `${o.idempotencyKey}-${i}` : o.idempotencyKey) : undefined;
          const m = encodeMessage(o.type, o.format, o.data, { attributes: o.attrs, ...(key ? { idempotencyKey: key } : {}) });
          entries.push({ Id: String(i), MessageBody: m.body, MessageAttributes: toSqsAttributes(m.attributes) });
        }
        const out = await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        sent += out.Successful?.length ?? 0;
        failed += out.Failed?.length ?? 0;
        o.progress?.(sent + failed, o.count);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
    return { sent, failed, queueUrl, ms: Date.now() - t0 };
  } finally {
    sqs.destroy();
  }
}

/** A one-line progress bar on stderr. */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): (done: number, total: number) => void {
  let last = 0;
  return (done, total) => {
    const now = Date.now();
    if (done < total && now - last < 100) return;
    last = now;
    const width = 30;
    const filled = Math.round((done / total) * width);
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}${done >= total ? '\n' : ''}`);
  };
}
