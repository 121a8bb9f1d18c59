import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { FastifyInstance } from 'fastify';
import { buildApp, hashPassword } from '@fable-jobs/api';
import { AuditRepo, JobKeysRepo, LedgerRepo, JobRunsRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { createLlmProcessors } from '@fable-jobs/llm';
import { DeadLetters, JobOps } from '@fable-jobs/ops';
import { JobIndexWriter, PoolRunner, QueueSet, StatusRecorder } from '@fable-jobs/queue';
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
import { Http } from './http.ts';
import { LogSink } from './log-sink.ts';

export const AUDIENCE = 'https://api.fable.test';

/** Third parties of the API on loopback: Anthropic, OpenAI, Slack Web API, the Auth0 issuer, the main API server, SQS/S3. */
export interface LlmFakes {
  anthropic: FakeAnthropic;
  openai: FakeOpenAi;
  slack: FakeSlack;
  issuer: JwksIssuer;
  mainApi: FakeLlmMainApi;
  sqs: SqsFixture;
  s3: S3Client;
  privateBucket: string;
  assetBucket: string;
  anthropicKey: string;
  openaiKey: string;
  slackToken: string;
  stop(): Promise<void>;
}

export async function startLlmFakes(opts: { anthropicKey?: string; openaiKey?: string; slackToken?: string } = {}): Promise<LlmFakes> {
  const anthropicKey = opts.anthropicKey ?? `sk-ant-sec-${randomBytes(6).toString('hex')}`;
  const openaiKey = opts.openaiKey ?? `sk-openai-sec-${randomBytes(6).toString('hex')}`;
  const slackToken = opts.slackToken ?? `xoxb-sec-${randomBytes(6).toString('hex')}`;
  const sqs = await startSqs();
  const s3 = new S3Client({ endpoint: sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const privateBucket = `private-${randomUUID().slice(0, 8)}`;
  const assetBucket = `assets-${randomUUID().slice(0, 8)}`;
  await s3.send(new CreateBucketCommand({ Bucket: privateBucket }));
  await s3.send(new CreateBucketCommand({ Bucket: assetBucket }));
  const [anthropic, openai, slack, issuer, mainApi] = await Promise.all([
    startFakeAnthropic({ keys: { [anthropicKey]: 'sec' }, minCacheableTokens: 100 }),
    startFakeOpenAi(openaiKey),
    startFakeSlack(slackToken),
    startJwksIssuer(),
    startFakeLlmMainApi(),
  ]);
  return {
    anthropic,
    openai,
    slack,
    issuer,
    mainApi,
    sqs,
    s3,
    privateBucket,
    assetBucket,
    anthropicKey,
    openaiKey,
    slackToken,
    async stop() {
      await Promise.allSettled([anthropic.server.close(), openai.server.close(), slack.server.close(), issuer.server.close(), mainApi.server.close()]);
      s3.destroy();
      await sqs.stop();
    },
  };
}

export interface Credentials {
  user: string;
  password: string;
}

export interface ApiStack {
  h: Harness;
  app: FastifyInstance;
  queues: QueueSet;
  runner: PoolRunner | undefined;
  /** `http://127.0.0.1:<port>`: the app listens for real. */
  url: string;
  http: Http;
  /** Every line the API (and its llm worker) logged, at debug level, through the fleet's logger. */
  logs: LogSink;
  admin: Credentials;
  viewer: Credentials;
  queueUrl: string;
  dlqUrl: string;
  slackSecret: string;
  /** `Bearer <orgId>:<jwt>` of a user of the frontend. */
  auth(sub: string, claims?: Record<string, unknown>): string;
  close(): Promise<void>;
}

export interface ApiStackOptions {
  fakes: LlmFakes;
  env?: Record<string, string>;
  /** Run an llm worker (PoolRunner with the llm processors) in this process. */
  worker?: boolean;
}

/** The real API (buildApp) on real Redis and MySQL, listening on loopback against the fakes, logging into one captured stream. */
export async function startApiStack(opts: ApiStackOptions): Promise<ApiStack> {
  const { fakes } = opts;
  // Names of this stack alone: other suites write audit_log rows (as 'ops', 'ada' …) into the same
  // test database at the same time, and the admin-routes scenario must tell its own apart.
  const tag = randomBytes(4).toString('hex');
  const admin: Credentials = { user: `ops-${tag}`, password: `adm-${randomBytes(9).toString('base64url')}` };
  const viewer: Credentials = { user: `support-${tag}`, password: `view-${randomBytes(9).toString('base64url')}` };
  const slackSecret = `slack-sec-${randomBytes(8).toString('hex')}`;
  const users = `${admin.user}:admin:${await hashPassword(admin.password)};${viewer.user}:viewer:${await hashPassword(viewer.password)}`;
  const h = await createHarness({
    env: {
      ANTHORIPC_KEY: `sec|${fakes.anthropicKey}`,
      LLM_ANTHROPIC_BASE_URL: fakes.anthropic.url,
      LLM_PRIVATE_BUCKET: fakes.privateBucket,
      AWS_ASSET_FILE_S3_BUCKET: fakes.assetBucket,
      OPENAI_KEY: fakes.openaiKey,
      LLM_OPENAI_BASE_URL: `${fakes.openai.url}/v1`,
      AUTH0_ISSUER_URL: fakes.issuer.issuer,
      AUTH0_AUDIENCES: AUDIENCE,
      API_SERVER_ENDPOINT: fakes.mainApi.url,
      SLACK_API_BASE_URL: fakes.slack.url,
      SLACK_FABLE_BOT_BOT_USER_TOKEN: fakes.slackToken,
      SLACK_SIGNING_SECRET: slackSecret,
      AWS_ENDPOINT_URL: fakes.sqs.endpoint,
      DASHBOARD_USERS: users,
      ...opts.env,
    },
  });
  const logs = new LogSink();
  const log: Logger = createLogger({ level: 'debug', scrubber: h.scrubber, name: 'security', destination: logs });
  const index = new JobIndexWriter(new JobKeysRepo(h.mysql), log);
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides, index });
  const { queueUrl, dlqUrl } = await fakes.sqs.createQueues();
  let runner: PoolRunner | undefined;
  let status: StatusRecorder | undefined;
  if (opts.worker) {
    status = new StatusRecorder(new JobRunsRepo(h.mysql), log, { intervalMs: 50 });
    runner = new PoolRunner({ connection: h.worker, queues, log, metrics: h.metrics, scrubber: h.scrubber, legacyJobs: new LegacyJobsRepo(h.mysql), status });
    runner.add('llm', createLlmProcessors({ config: h.config, log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics, redis: h.producer, s3: fakes.s3 }));
    await runner.start();
  }
  const audit = new AuditRepo(h.mysql);
  const app = await buildApp({
    config: h.config,
    log,
    metrics: h.metrics,
    health: new Health(),
    queues,
    mysql: h.mysql,
    s3: fakes.s3,
    admin: { audit, jobs: new JobOps({ queues, audit, keys: new JobKeysRepo(h.mysql), ledger: new LedgerRepo(h.mysql) }), deadLetters: new DeadLetters({ sqs: fakes.sqs.sqs, queueUrl, dlqUrl, queues, audit, log }) },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const http = new Http(url);
  return {
    h,
    app,
    queues,
    runner,
    url,
    http,
    logs,
    admin,
    viewer,
    queueUrl,
    dlqUrl,
    slackSecret,
    auth: (sub, claims = {}) => `Bearer 7:${fakes.issuer.sign({ sub, aud: AUDIENCE, ...claims })}`,
    async close() {
      await http.close();
      await app.close();
      await runner?.forceClose();
      await status?.close();
      await index.flush().catch(() => {});
      await queues.close();
      await h.close();
    },
  };
}
