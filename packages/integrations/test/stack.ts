import { Writable } from 'node:stream';
import { Bridge } from '@fable-jobs/bridge';
import { encodeMessage, jobIdFor, registry } from '@fable-jobs/contracts';
import { LedgerRepo } from '@fable-jobs/db';
import { PoolRunner, QueueSet } from '@fable-jobs/queue';
import { createLogger, type Logger } from '@fable-jobs/runtime';
import {
  FakeCobalt,
  FakeMailchimp,
  FakeMainApi,
  FakeSlackWebhook,
  FakeSmartLead,
  FakeTenantEndpoint,
  FakeZapier,
  createHarness,
  startSqs,
  waitForJob,
  type Harness,
  type SqsFixture,
} from '@fable-jobs/testing';
import { createIntegrations, type Integrations } from '../src/index.ts';

export type Job = Awaited<ReturnType<typeof waitForJob>>;

export const SECRETS = {
  apiServerToken: 'svc-token-5f1c9a7e2b',
  signingMaster: 'whsec-master-8d2e61c0aa',
  mailchimpKey: 'mc0a1b2c3d4e5f60718293a4b5c6d7e8f-us21',
  cobaltKey: 'cobalt-key-7c1e0b2a99',
  smartLeadKey: 'sl-key-3e8a0c6f41d2',
};

export interface Fakes {
  mainApi: FakeMainApi;
  slack: FakeSlackWebhook;
  mailchimp: FakeMailchimp;
  cobalt: FakeCobalt;
  smartLead: FakeSmartLead;
  zapier: FakeZapier;
  tenant: FakeTenantEndpoint;
}

export interface Stack {
  h: Harness;
  fakes: Fakes;
  sqs: SqsFixture;
  queueUrl: string;
  dlqUrl: string;
  queues: QueueSet;
  integrations: Integrations;
  runner: PoolRunner;
  /** Every log line written by the runner and the processors. */
  logLines: string[];
  /** Send a producer-shaped message; returns the job id its jobs get. */
  send(type: string, data: Record<string, unknown>, opts?: { format?: 'legacy' | 'json'; idempotencyKey?: string }): Promise<string>;
  waitFor(queue: string, jobId: string, state: 'completed' | 'failed', timeoutMs?: number): Promise<Job>;
  close(): Promise<void>;
}

/** Fast retries for every integrations job, so retry paths run in a test's time. */
function fastRetries(backoffMs: number): string {
  return JSON.stringify(Object.fromEntries(registry.jobsOfPool('integrations').map((j) => [j.name, { backoffMs }])));
}

/**
 * The whole path on real Redis and MySQL: fauxqs SQS → Bridge → BullMQ → PoolRunner with the
 * integrations processors → fake third-party servers on loopback.
 */
export async function startStack(opts: { env?: Record<string, string>; scrub?: boolean; backoffMs?: number; workers?: boolean } = {}): Promise<Stack> {
  const fakes: Fakes = {
    mainApi: await new FakeMainApi({ token: SECRETS.apiServerToken }).start(),
    slack: await new FakeSlackWebhook().start(),
    mailchimp: await new FakeMailchimp({ apiKey: SECRETS.mailchimpKey }).start(),
    cobalt: await new FakeCobalt({ apiKey: SECRETS.cobaltKey }).start(),
    smartLead: await new FakeSmartLead({ apiKey: SECRETS.smartLeadKey, campaigns: [381761, 381455] }).start(),
    zapier: await new FakeZapier().start(),
    tenant: await new FakeTenantEndpoint().start(),
  };
  const h = await createHarness({
    env: {
      API_SERVER_ENDPOINT: fakes.mainApi.url,
      API_SERVER_TOKEN: SECRETS.apiServerToken,
      SLACK_WEBHOOK_URL: fakes.slack.webhookUrl,
      MAILCHIMP_API_KEY: SECRETS.mailchimpKey,
      MAILCHIMP_BASE_URL: fakes.mailchimp.url,
      MAILCHIMP_LIST_ID: fakes.mailchimp.listId,
      COBALT_API_KEY: SECRETS.cobaltKey,
      COBALT_BASE_URL: fakes.cobalt.url,
      SMART_LEAD_API_KEY: SECRETS.smartLeadKey,
      SMARTLEAD_BASE_URL: fakes.smartLead.baseUrl,
      SMARTLEAD_PLAN_CAMPAIGNS: 'STARTUP=381761,BUSINESS=381761,SOLO=381455,LIFETIME_TIER9=999999',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_TEST_ALLOWLIST: `127.0.0.1:${fakes.tenant.port},127.0.0.1:${fakes.zapier.port}`,
      WEBHOOK_SIGNING_SECRET: SECRETS.signingMaster,
      INTEGRATIONS_REQUEST_TIMEOUT_MS: '3000',
      WEBHOOK_TIMEOUT_MS: '1500',
      JOB_OVERRIDES: fastRetries(opts.backoffMs ?? 100),
      ...opts.env,
    },
  });
  const logLines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      logLines.push(chunk.toString('utf8'));
      cb();
    },
  });
  // Without the scrubber a secret our code leaked would show in the captured lines.
  const log: Logger = createLogger({ level: 'debug', destination: sink, ...(opts.scrub === false ? {} : { scrubber: h.scrubber }) });
  const sqs = await startSqs();
  const { queueUrl, dlqUrl } = await sqs.createQueues({ maxReceiveCount: 5, visibilityTimeout: 30 });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  const integrations = createIntegrations({ config: h.config, log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics });
  const runner = new PoolRunner({ connection: h.worker, queues, log, metrics: h.metrics, ...(opts.scrub === false ? {} : { scrubber: h.scrubber }), stalledIntervalMs: 5000 });
  runner.add('integrations', integrations.processors);
  if (opts.workers !== false) await runner.start();
  const bridge = new Bridge({
    sqs: sqs.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...h.config.bridge, waitTimeSeconds: 1, pollers: 1 },
  });
  bridge.start();

  return {
    h,
    fakes,
    sqs,
    queueUrl,
    dlqUrl,
    queues,
    integrations,
    runner,
    logLines,
    async send(type, data, o = {}) {
      const [id] = await sqs.send(queueUrl, [encodeMessage(type, o.format ?? 'legacy', data, o.idempotencyKey ? { idempotencyKey: o.idempotencyKey } : {})]);
      return jobIdFor(o.idempotencyKey ?? id ?? '');
    },
    async waitFor(queue, jobId, state, timeoutMs = 20_000) {
      const job = await waitForJob(queues.get(queue), jobId, state, { connection: h.producer, timeoutMs });
      // Delivery records are written behind the job: let them land before the test reads them.
      await integrations.flush();
      // waitForJob can hand back the job as read just before it finished: read it again.
      return (await queues.get(queue).getJob(jobId)) ?? job;
    },
    async close() {
      bridge.stopIntake();
      await bridge.drain(AbortSignal.timeout(5000));
      await runner.drain(AbortSignal.timeout(5000));
      await integrations.close();
      await queues.close();
      await sqs.stop();
      await Promise.all(Object.values(fakes).map((f) => f.stop()));
      await h.close();
    },
  };
}
