import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Config } from './env/index.ts';

/** An SQS client for the configured region and endpoint (an emulator when one is set). */
export function createSqsClient(config: Pick<Config, 'sqs' | 'aws'>): SQSClient {
  const endpoint = config.sqs.endpoint ?? config.aws.endpoint;
  const creds =
    config.aws.accessKeyId && config.aws.secretAccessKey
      ? { accessKeyId: config.aws.accessKeyId, secretAccessKey: config.aws.secretAccessKey }
      : endpoint
        ? { accessKeyId: 'local', secretAccessKey: 'local' } // emulators ignore credentials
        : undefined;
  return new SQSClient({
    region: config.sqs.region,
    ...(endpoint ? { endpoint } : {}),
    ...(creds ? { credentials: creds } : {}),
    maxAttempts: 3,
  });
}

export interface QueueUrls {
  queueUrl: string;
  dlqUrl: string;
}

function nameFromArn(arn: string): string {
  return arn.split(':').pop() ?? arn;
}

/** Find the main queue and its dead-letter queue (explicit name, else the redrive policy target). */
export async function resolveQueueUrls(sqs: SQSClient, config: Pick<Config, 'sqs'>): Promise<QueueUrls> {
  const queueUrl = config.sqs.queueUrl ?? (await sqs.send(new GetQueueUrlCommand({ QueueName: config.sqs.queueName }))).QueueUrl;
  if (!queueUrl) throw new Error(`SQS queue ${config.sqs.queueName} not found`);
  let dlqName = config.sqs.dlqName;
  if (!dlqName) {
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['RedrivePolicy'] }));
    const policy = attrs.Attributes?.['RedrivePolicy'];
    if (policy) dlqName = nameFromArn((JSON.parse(policy) as { deadLetterTargetArn: string }).deadLetterTargetArn);
  }
  dlqName ??= `${config.sqs.queueName}-dlq`;
  let dlqUrl: string | undefined;
  try {
    dlqUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: dlqName }))).QueueUrl;
  } catch (err) {
    throw new Error(
      `dead-letter queue "${dlqName}" not found (${(err as Error).name}): poison messages need one. ` +
        'Create it and set a redrive policy on the main queue, or set SQS_DLQ_NAME.',
    );
  }
  if (!dlqUrl) throw new Error(`dead-letter queue ${dlqName} not found`);
  return { queueUrl, dlqUrl };
}

/** Create the main queue and its DLQ with a redrive policy (development, tests). Idempotent. */
export async function ensureQueues(sqs: SQSClient, config: Pick<Config, 'sqs' | 'bridge'>): Promise<QueueUrls> {
  const dlqName = config.sqs.dlqName ?? `${config.sqs.queueName}-dlq`;
  const dlq = await createOrGet(sqs, new CreateQueueCommand({ QueueName: dlqName, Attributes: { MessageRetentionPeriod: '1209600' } }));
  const dlqArn = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }))).Attributes?.['QueueArn'];
  const main = await createOrGet(
    sqs,
    new CreateQueueCommand({
      QueueName: config.sqs.queueName,
      Attributes: {
        VisibilityTimeout: String(config.bridge.visibilityTimeoutSeconds),
        ReceiveMessageWaitTimeSeconds: '20',
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: config.sqs.maxReceiveCount }),
      },
    }),
  );
  if (!main.QueueUrl || !dlq.QueueUrl) throw new Error('CreateQueue returned no URL');
  return { queueUrl: main.QueueUrl, dlqUrl: dlq.QueueUrl };
}

/** CreateQueue, or the existing queue's URL when it exists with other attributes. */
async function createOrGet(sqs: SQSClient, cmd: CreateQueueCommand): Promise<{ QueueUrl?: string | undefined }> {
  try {
    return await sqs.send(cmd);
  } catch (err) {
    if (!/QueueNameExists|QueueAlreadyExists/.test((err as Error).name)) throw err;
    return sqs.send(new GetQueueUrlCommand({ QueueName: cmd.input.QueueName }));
  }
}
