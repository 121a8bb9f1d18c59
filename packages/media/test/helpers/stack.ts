import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { Bridge } from '@fable-jobs/bridge';
import { encodeMessage, jobIdFor } from '@fable-jobs/contracts';
import { LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createHarness, startSqs, waitForJob, type Harness, type SqsFixture, type WaitState } from '@fable-jobs/testing';
import { createMediaProcessors } from '../../src/index.ts';

export interface MediaStack {
  h: Harness;
  sqs: SqsFixture;
  /** S3 client on the emulator itself (never through a test proxy). */
  s3: S3Client;
  bucket: string;
  /** MEDIA_TMP_DIR of this stack's worker. */
  tmp: string;
  queues: QueueSet;
  runner: PoolRunner;
  /** Start the runner when the stack was made with `runner: false`. */
  startRunner(): Promise<void>;
  queueUrl: string;
  dlqUrl: string;
  /** https URL of an object in the test bucket, as producers send it (virtual-hosted style). */
  url(key: string): string;
  put(key: string, body: Buffer | string): Promise<void>;
  putFile(key: string, file: string): Promise<void>;
  /** Download an object to a local file (for ffprobe). */
  fetch(key: string, file: string): Promise<Buffer>;
  keys(prefix: string): Promise<string[]>;
  /** A `jobs` row as the main API server creates it before sending the message (status Touched). */
  insertJobRow(jobKey: string, jobType: string): Promise<void>;
  jobRow(jobKey: string): Promise<{ processing_status: number; failure_reason: string | null; info: Record<string, unknown> | null } | undefined>;
  /** Send a legacy TRANSCODE_* message; returns the BullMQ job id the bridge gives it. */
  send(type: 'TRANSCODE_VIDEO' | 'TRANSCODE_AUDIO', attributes: Record<string, string>): Promise<string>;
  /** The job once it reached `state`, read afresh (waitForJob's copy can predate the final write). */
  wait(name: 'media.transcode-video' | 'media.transcode-audio', jobId: string, state: WaitState, timeoutMs?: number): ReturnType<typeof waitForJob>;
  close(): Promise<void>;
}

export interface StackOptions {
  env?: Record<string, string | undefined>;
  /** S3 endpoint of the worker (e.g. an outage proxy in front of the emulator). */
  workerS3Endpoint?: (emulator: string) => Promise<string> | string;
  stalledIntervalMs?: number;
  bridge?: boolean;
  /** Start the media PoolRunner at once (default) or later with startRunner(). */
  runner?: boolean;
}

export const uid = () => randomBytes(5).toString('hex');

/**
 * The media pool end to end: fauxqs (SQS + S3), the bridge, a PoolRunner with the media
 * processors, real Redis/MySQL, all under names unique to this stack.
 */
export async function startMediaStack(opts: StackOptions = {}): Promise<MediaStack> {
  const sqs = await startSqs();
  const tmp = await mkdtemp(join(tmpdir(), 'fable-media-test-'));
  const workerS3 = opts.workerS3Endpoint ? await opts.workerS3Endpoint(sqs.endpoint) : sqs.endpoint;
  const h = await createHarness({
    env: {
      AWS_ENDPOINT_URL: sqs.endpoint,
      S3_ENDPOINT: workerS3,
      MEDIA_TMP_DIR: tmp,
      BRIDGE_WAIT_SECONDS: '1',
      BRIDGE_POLLERS: '1',
      ...opts.env,
    },
  });
  const s3 = new S3Client({ endpoint: sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const bucket = `media-${uid()}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const { queueUrl, dlqUrl } = await sqs.createQueues();
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  const legacyJobs = new LegacyJobsRepo(h.mysql);
  const runner = new PoolRunner({
    connection: h.worker,
    queues,
    log: h.log,
    metrics: h.metrics,
    legacyJobs,
    stalledIntervalMs: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: 1,
  });
  runner.add('media', createMediaProcessors({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics }));
  if (opts.runner ?? true) await runner.start();
  let bridge: Bridge | undefined;
  if (opts.bridge ?? true) {
    bridge = new Bridge({
      sqs: sqs.sqs,
      queueUrl,
      dlqUrl,
      queues,
      ledger: new LedgerRepo(h.mysql),
      legacyJobs,
      log: h.log,
      metrics: h.metrics,
      durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
      options: h.config.bridge,
    });
    bridge.start();
  }
  const jobKeys: string[] = [];

  return {
    h,
    sqs,
    s3,
    bucket,
    tmp,
    queues,
    runner,
    startRunner: () => runner.start(),
    queueUrl,
    dlqUrl,
    url: (key) => `https://${bucket}.s3.us-east-1.amazonaws.com/${key.split('/').map(encodeURIComponent).join('/')}`,
    async put(key, body) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: typeof body === 'string' ? Buffer.from(body) : body }));
    },
    async putFile(key, file) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
    },
    async fetch(key, file) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      const buf = Buffer.from(await out.Body!.transformToByteArray());
      await writeFile(file, buf);
      return buf;
    },
    async keys(prefix) {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix }));
      return (out.Contents ?? []).map((o) => o.Key ?? '').sort();
    },
    async insertJobRow(jobKey, jobType) {
      jobKeys.push(jobKey);
      await h.mysql('jobs').insert({ job_type: jobType, job_key: jobKey, processing_status: 1 });
    },
    async jobRow(jobKey) {
      const row = await legacyJobs.get(jobKey);
      return row ? { processing_status: row.processing_status, failure_reason: row.failure_reason, info: row.info as Record<string, unknown> | null } : undefined;
    },
    async send(type, attributes) {
      const msg = encodeMessage(type, 'legacy', attributes);
      const [messageId] = await sqs.send(queueUrl, [msg]);
      return jobIdFor(messageId ?? '');
    },
    async wait(name, jobId, state, timeoutMs = 60_000) {
      const seen = await waitForJob(queues.get(name), jobId, state, { connection: h.producer, timeoutMs });
      return (await queues.get(name).getJob(jobId)) ?? seen;
    },
    async close() {
      bridge?.stopIntake();
      await bridge?.drain(AbortSignal.timeout(5000));
      await runner.drain(AbortSignal.timeout(5000));
      await queues.close();
      if (jobKeys.length) await h.mysql('jobs').whereIn('job_key', jobKeys).delete();
      s3.destroy();
      await sqs.stop();
      await h.close();
      await rm(tmp, { recursive: true, force: true });
    },
  };
}
