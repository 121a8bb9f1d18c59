import { randomUUID } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { createLlmProcessors } from '@fable-jobs/llm';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createLogger, Health, type Logger } from '@fable-jobs/runtime';
import {
  createHarness,
  startFakeAnthropic,
  startFakeLlmMainApi,
  startFakeOpenAi,
  startFakeSlack,
  startJwksIssuer,
  startSqs,
  type FakeAnthropic,
  type FakeLlmMainApi,
  type FakeOpenAi,
  type FakeSlack,
  type Harness,
  type JwksIssuer,
  type SqsFixture,
} from '@fable-jobs/testing';
import { buildApp } from '../src/index.ts';

export const AUDIENCE = 'https://api.fable.test';
export const ACCOUNTS = 'alpha|sk-ant-alpha-0001;beta|sk-ant-beta-0002';
export const ANTHROPIC_KEYS = { 'sk-ant-alpha-0001': 'alpha', 'sk-ant-beta-0002': 'beta' };
export const OPENAI_KEY = 'sk-openai-fixture-0001';
export const SLACK_TOKEN = 'xoxb-fixture-token-0001';
export const SLACK_SECRET = 'slack-signing-secret-0001';
/** A 1×1 PNG. */
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/** Third parties shared by the tests of a file (fakes are stateless enough to share). */
export interface Externals {
  sqs: SqsFixture;
  s3: S3Client;
  privateBucket: string;
  assetBucket: string;
  anthropic: FakeAnthropic;
  openai: FakeOpenAi;
  slack: FakeSlack;
  issuer: JwksIssuer;
  mainApi: FakeLlmMainApi;
  stop(): Promise<void>;
}

export async function startExternals(): Promise<Externals> {
  const sqs = await startSqs();
  const s3 = new S3Client({ endpoint: sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const privateBucket = `private-${randomUUID().slice(0, 8)}`;
  const assetBucket = `assets-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: privateBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: assetBucket }));
  const [anthropic, openai, slack, issuer, mainApi] = await Promise.all([
    startFakeAnthropic({ keys: ANTHROPIC_KEYS, minCacheableTokens: 100 }),
    startFakeOpenAi(OPENAI_KEY),
    startFakeSlack(SLACK_TOKEN),
    startJwksIssuer(),
    startFakeLlmMainApi(),
  ]);
  return {
    sqs,
    s3,
    privateBucket,
    assetBucket,
    anthropic,
    openai,
    slack,
    issuer,
    mainApi,
    async stop() {
      await Promise.all([anthropic.server.close(), openai.server.close(), slack.server.close(), issuer.server.close(), mainApi.server.close()]);
      s3.destroy();
      await sqs.stop();
    },
  };
}

export async function put(ext: Externals, bucket: string, key: string, body: Buffer | string, contentType?: string): Promise<void> {
  await ext.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ...(contentType ? { ContentType: contentType } : {}) }));
}

export interface ApiFixture {
  h: Harness;
  app: FastifyInstance;
  queues: QueueSet;
  runner: PoolRunner | undefined;
  /** `Bearer <orgId>:<jwt>` for a user (a fresh sub per fixture unless given). */
  auth(opts?: { sub?: string; orgId?: string | null; claims?: Record<string, unknown> }): string;
  sub: string;
  close(): Promise<void>;
}

/** The API (and, unless `worker: false`, an llm worker) on real Redis/MySQL against the fakes. */
export async function startApi(ext: Externals, opts: { env?: Record<string, string>; worker?: boolean; logTo?: NodeJS.WritableStream } = {}): Promise<ApiFixture> {
  const h = await createHarness({
    env: {
      ANTHORIPC_KEY: ACCOUNTS,
      LLM_ANTHROPIC_BASE_URL: ext.anthropic.url,
      LLM_PRIVATE_BUCKET: ext.privateBucket,
      AWS_ASSET_FILE_S3_BUCKET: ext.assetBucket,
      OPENAI_KEY,
      LLM_OPENAI_BASE_URL: `${ext.openai.url}/v1`,
      AUTH0_ISSUER_URL: ext.issuer.issuer,
      AUTH0_AUDIENCES: `${AUDIENCE},https://other.fable.test`,
      API_SERVER_ENDPOINT: ext.mainApi.url,
      SLACK_API_BASE_URL: ext.slack.url,
      SLACK_FABLE_BOT_BOT_USER_TOKEN: SLACK_TOKEN,
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      AWS_ENDPOINT_URL: ext.sqs.endpoint,
      ...opts.env,
    },
  });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix });
  // Everything at debug level into `logTo` when a test inspects the logs.
  const log: Logger = opts.logTo ? createLogger({ level: 'debug', scrubber: h.scrubber, name: 'test', destination: opts.logTo }) : h.log;
  let runner: PoolRunner | undefined;
  if (opts.worker ?? true) {
    runner = new PoolRunner({ connection: h.worker, queues, log, metrics: h.metrics, scrubber: h.scrubber });
    runner.add('llm', createLlmProcessors({ config: h.config, log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics, redis: h.producer, s3: ext.s3 }));
    await runner.start();
  }
  const app = await buildApp({ config: h.config, log, metrics: h.metrics, health: new Health(), queues, mysql: h.mysql, s3: ext.s3 });
  await app.ready();
  const sub = `auth0|${randomUUID()}`;
  return {
    h,
    app,
    queues,
    runner,
    sub,
    auth: (a = {}) => {
      const jwt = ext.issuer.sign({ sub: a.sub ?? sub, aud: AUDIENCE, ...a.claims });
      return a.orgId === null ? `Bearer ${jwt}` : `Bearer ${a.orgId ?? '7'}:${jwt}`;
    },
    async close() {
      await app.close();
      await runner?.forceClose();
      await queues.close();
      await h.close();
    },
  };
}
