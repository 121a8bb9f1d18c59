import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { JobContext, LlmOperation, UserPayload } from '@fable-jobs/contracts';
import { createHarness, startSqs, type Harness, type SqsFixture } from '@fable-jobs/testing';
import { LlmRunsRepo } from '../src/index.ts';

/** A 1×1 transparent PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
/** The smallest JPEG header a sniffer accepts (a real image is not needed for the fake). */
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(60, 1)]);

export interface S3Fixture {
  endpoint: string;
  s3: S3Client;
  bucket: string;
  put(key: string, body: Buffer, contentType?: string): Promise<void>;
  stop(): Promise<void>;
}

/** The fauxqs S3 emulator with one fresh bucket. */
export async function startS3(sqs?: SqsFixture): Promise<S3Fixture> {
  const fixture = sqs ?? (await startSqs());
  const s3 = new S3Client({ endpoint: fixture.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const bucket = `llm-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    endpoint: fixture.endpoint,
    s3,
    bucket,
    put: async (key, body, contentType) => void (await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }))),
    stop: async () => {
      s3.destroy();
      if (!sqs) await fixture.stop();
    },
  };
}

export function jobContext(h: Harness, opts: { attempt?: number; maxAttempts?: number; signal?: AbortSignal } = {}): JobContext {
  const jobId = randomUUID();
  return {
    jobId,
    queue: 'llm.run',
    idempotencyKey: `llm.run:${jobId}:1`,
    attempt: opts.attempt ?? 1,
    starts: opts.attempt ?? 1,
    maxAttempts: opts.maxAttempts ?? 2,
    fence: async () => {},
    meta: { source: 'test' },
    signal: opts.signal ?? new AbortController().signal,
    log: h.log,
    progress: async () => {},
    spawnChildren: async () => {
      throw new Error('not used');
    },
    childrenDone: false,
  };
}

export async function newRun(repo: LlmRunsRepo, type: LlmOperation, input: UserPayload, extra: { thread?: string; model?: string } = {}): Promise<string> {
  const id = randomUUID();
  await repo.create({ id, orgId: '7', userSub: `auth0|${id.slice(0, 8)}`, thread: extra.thread ?? `thread-${id}`, entityId: undefined, type, model: extra.model ?? 'claude-sonnet-5-5', requestedModel: undefined, input, credits: 1 });
  return id;
}

export { createHarness };
