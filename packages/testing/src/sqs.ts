import { GetQueueAttributesCommand, ReceiveMessageCommand, SendMessageBatchCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { encodeMessage, toSqsAttributes } from '@fable-jobs/contracts';
import { startFauxqs } from 'fauxqs';

export interface SqsFixture {
  endpoint: string;
  sqs: SQSClient;
  /** Create a queue and its DLQ (redrive policy) under unique names. */
  createQueues(opts?: { maxReceiveCount?: number; visibilityTimeout?: number }): Promise<{ queueUrl: string; dlqUrl: string; name: string }>;
  /** Send producer-shaped messages (see encodeMessage). */
  send(queueUrl: string, messages: Array<{ body: string; attributes?: Record<string, string> }>): Promise<string[]>;
  /** Visible + in-flight messages of a queue. */
  depth(queueUrl: string): Promise<{ visible: number; inFlight: number }>;
  /** Receive (and leave in flight) everything currently in a queue, e.g. the DLQ. */
  drain(queueUrl: string): Promise<Message[]>;
  stop(): Promise<void>;
}

let counter = 0;

/** The SQS emulator (fauxqs) in-process on a free port, with an SDK client pointed at it. */
export async function startSqs(): Promise<SqsFixture> {
  const server = await startFauxqs({ port: 0, logger: false, host: 'localhost' });
  const endpoint = `http://127.0.0.1:${server.port}`;
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  return {
    endpoint,
    sqs,
    async createQueues(opts = {}) {
      const name = `q${process.pid}-${Date.now().toString(36)}-${counter++}`;
      const dlq = server.createQueue(`${name}-dlq`);
      const main = server.createQueue(name, {
        attributes: {
          VisibilityTimeout: String(opts.visibilityTimeout ?? 30),
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: opts.maxReceiveCount ?? 5 }),
        },
      });
      return { queueUrl: main.queueUrl, dlqUrl: dlq.queueUrl, name };
    },
    async send(queueUrl, messages) {
      const ids: string[] = [];
      for (let i = 0; i < messages.length; i += 10) {
        const chunk = messages.slice(i, i + 10);
        const out = await sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((m, j) => ({ Id: String(j), MessageBody: m.body, MessageAttributes: toSqsAttributes(m.attributes ?? {}) })),
          }),
        );
        if (out.Failed?.length) throw new Error(`send failed: ${JSON.stringify(out.Failed)}`);
        const byId = new Map((out.Successful ?? []).map((s) => [s.Id, s.MessageId ?? '']));
        chunk.forEach((_, j) => ids.push(byId.get(String(j)) ?? ''));
      }
      return ids;
    },
    async depth(queueUrl) {
      const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
      return { visible: Number(a.Attributes?.['ApproximateNumberOfMessages'] ?? 0), inFlight: Number(a.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0) };
    },
    async drain(queueUrl) {
      const all: Message[] = [];
      for (;;) {
        const r = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, VisibilityTimeout: 300, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['All'] }));
        if (!r.Messages?.length) return all;
        all.push(...r.Messages);
      }
    },
    async stop() {
      sqs.destroy();
      await server.stop();
    },
  };
}

export { encodeMessage };
