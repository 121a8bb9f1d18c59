// The SQS emulator in its own process (a separate CPU budget, like a remote SQS) and helpers to
// fill and read its queues: shared by benchmarks and fault drills.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import { toSqsAttributes, type EncodedMessage } from '@fable-jobs/contracts';

export interface Emulator {
  endpoint: string;
  sqs: SQSClient;
  stop(): Promise<void>;
}

/** fauxqs in a child process (a separate CPU budget, like a remote SQS). */
export async function startEmulator(): Promise<Emulator> {
  const child: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./fauxqs-server.ts', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout?.on('data', (b: Buffer) => {
      const m = /FAUXQS (\d+)/.exec(String(b));
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (c) => reject(new Error(`fauxqs exited ${c}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const sqs = new SQSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
  return {
    endpoint,
    sqs,
    async stop() {
      sqs.destroy();
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

let n = 0;
export async function createQueuePair(sqs: SQSClient): Promise<{ queueUrl: string; dlqUrl: string }> {
  const name = `bench-${process.pid}-${n++}`;
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `${name}-dlq` }));
  const arn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  const main = await sqs.send(
    new CreateQueueCommand({ QueueName: name, Attributes: { VisibilityTimeout: '60', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: arn, maxReceiveCount: 5 }) } }),
  );
  return { queueUrl: main.QueueUrl ?? '', dlqUrl: dlq.QueueUrl ?? '' };
}

/** Send messages in batches of 10, `parallel` batches at a time. */
export async function preload(sqs: SQSClient, queueUrl: string, messages: EncodedMessage[], parallel = 16): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < messages.length) {
      const start = next;
      next += 10;
      const chunk = messages.slice(start, start + 10);
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), MessageBody: m.body, MessageAttributes: toSqsAttributes(m.attributes) })) }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
}

export async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const a = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }));
  return Number(a.Attributes?.['ApproximateNumberOfMessages'] ?? 0) + Number(a.Attributes?.['ApproximateNumberOfMessagesNotVisible'] ?? 0);
}
