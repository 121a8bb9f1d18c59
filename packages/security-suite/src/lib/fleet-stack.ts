import { randomBytes } from 'node:crypto';
import { Bridge } from '@fable-jobs/bridge';
import { createAnalytics, type AnalyticsPool } from '@fable-jobs/analytics';
import { encodeMessage, jobIdFor, registry, type Pool } from '@fable-jobs/contracts';
import { EffectsRepo, JobKeysRepo, JobRunsRepo, LedgerRepo, LegacyJobsRepo } from '@fable-jobs/db';
import { createIntegrations, type Integrations } from '@fable-jobs/integrations';
import { createMediaProcessors } from '@fable-jobs/media';
import { JobIndexWriter, PoolRunner, QueueSet, StatusRecorder, systemProcessors } from '@fable-jobs/queue';
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
  type Harness,
  type SqsFixture,
} from '@fable-jobs/testing';
import { LogSink } from './log-sink.ts';
import { sleep } from './result.ts';

export interface IntegrationFakes {
  mainApi: FakeMainApi;
  slack: FakeSlackWebhook;
  mailchimp: FakeMailchimp;
  cobalt: FakeCobalt;
  smartLead: FakeSmartLead;
  zapier: FakeZapier;
  tenant: FakeTenantEndpoint;
}

export interface FleetSecrets {
  apiServerToken: string;
  signingMaster: string;
  mailchimpKey: string;
  cobaltKey: string;
  smartLeadKey: string;
}

export interface FleetStack {
  h: Harness;
  sqs: SqsFixture;
  queueUrl: string;
  dlqUrl: string;
  queues: QueueSet;
  runner: PoolRunner;
  fakes: IntegrationFakes;
  secrets: FleetSecrets;
  /** Every line the bridge, the runner and the processors logged (debug level, scrubbed as in production). */
  logs: LogSink;
  integrations: Integrations | undefined;
  /** Send one producer-shaped message; returns the job id its jobs get. */
  send(type: string, format: 'legacy' | 'json', data: Record<string, unknown>, opts?: { idempotencyKey?: string; attributes?: Record<string, string> }): Promise<string>;
  /** Send raw messages (any body and String attributes); returns their MessageIds. */
  sendRaw(messages: Array<{ body: string; attributes?: Record<string, string> }>): Promise<string[]>;
  /** Wait until SQS is empty and no job of any queue is waiting, delayed or running. */
  idle(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface FleetOptions {
  pools: readonly Pool[];
  env?: Record<string, string>;
}

/** Every job: one attempt, short backoff, no provider throttle (scenarios need bounded, quick outcomes). */
export function fastJobOverrides(): string {
  return JSON.stringify(Object.fromEntries(registry.jobs().map((j) => [j.name, { attempts: 1, backoffMs: 50, limiter: null }])));
}

/** The message path in this process: fauxqs SQS → real Bridge → BullMQ on real Redis → PoolRunner with the real processors → loopback fakes. */
export async function startFleetStack(opts: FleetOptions): Promise<FleetStack> {
  const secrets: FleetSecrets = {
    apiServerToken: `svc-sec-${randomBytes(6).toString('hex')}`,
    signingMaster: `whsec-sec-${randomBytes(6).toString('hex')}`,
    mailchimpKey: `mc${randomBytes(12).toString('hex')}-us21`,
    cobaltKey: `cobalt-sec-${randomBytes(6).toString('hex')}`,
    smartLeadKey: `sl-sec-${randomBytes(6).toString('hex')}`,
  };
  const fakes: IntegrationFakes = {
    mainApi: await new FakeMainApi({ token: secrets.apiServerToken }).start(),
    slack: await new FakeSlackWebhook().start(),
    mailchimp: await new FakeMailchimp({ apiKey: secrets.mailchimpKey }).start(),
    cobalt: await new FakeCobalt({ apiKey: secrets.cobaltKey }).start(),
    smartLead: await new FakeSmartLead({ apiKey: secrets.smartLeadKey, campaigns: [381761, 381455] }).start(),
    zapier: await new FakeZapier().start(),
    tenant: await new FakeTenantEndpoint().start(),
  };
  // SQS and S3 (the media pool's buckets) from one emulator, started before the config is read.
  const sqs = await startSqs();
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: sqs.endpoint,
    API_SERVER_ENDPOINT: fakes.mainApi.url,
    API_SERVER_TOKEN: secrets.apiServerToken,
    SLACK_WEBHOOK_URL: fakes.slack.webhookUrl,
    MAILCHIMP_API_KEY: secrets.mailchimpKey,
    MAILCHIMP_BASE_URL: fakes.mailchimp.url,
    MAILCHIMP_LIST_ID: fakes.mailchimp.listId,
    COBALT_API_KEY: secrets.cobaltKey,
    COBALT_BASE_URL: fakes.cobalt.url,
    SMART_LEAD_API_KEY: secrets.smartLeadKey,
    SMARTLEAD_BASE_URL: fakes.smartLead.baseUrl,
    SMARTLEAD_PLAN_CAMPAIGNS: 'STARTUP=381761,BUSINESS=381761,SOLO=381455',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_TEST_ALLOWLIST: `127.0.0.1:${fakes.tenant.port},127.0.0.1:${fakes.zapier.port}`,
    WEBHOOK_SIGNING_SECRET: secrets.signingMaster,
    WEBHOOK_LOOKUP_CACHE_MS: '0',
    INTEGRATIONS_REQUEST_TIMEOUT_MS: '3000',
    WEBHOOK_TIMEOUT_MS: '1500',
    JOB_OVERRIDES: fastJobOverrides(),
    ...opts.env,
  };
  const h = await createHarness({ env });
  const config = h.config;
  const logs = new LogSink();
  const log: Logger = createLogger({ level: 'debug', scrubber: h.scrubber, name: 'security-fleet', destination: logs });
  const { queueUrl, dlqUrl } = await sqs.createQueues({ maxReceiveCount: 5, visibilityTimeout: 30 });
  const index = new JobIndexWriter(new JobKeysRepo(h.mysql), log);
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: config.worker.jobOverrides, index });
  const status = new StatusRecorder(new JobRunsRepo(h.mysql), log, { intervalMs: 50 });
  const runner = new PoolRunner({ connection: h.worker, queues, log, metrics: h.metrics, scrubber: h.scrubber, legacyJobs: new LegacyJobsRepo(h.mysql), status, stalledIntervalMs: 5000 });
  const domain = { config, log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics };
  let integrations: Integrations | undefined;
  let analytics: AnalyticsPool | undefined;
  for (const pool of opts.pools) {
    if (pool === 'system') runner.add('system', systemProcessors({ effects: new EffectsRepo(h.mysql) }));
    if (pool === 'integrations') runner.add('integrations', (integrations = createIntegrations({ ...domain, scrubber: h.scrubber })).processors);
    if (pool === 'analytics') runner.add('analytics', (analytics = createAnalytics(domain)).processors);
    if (pool === 'media') runner.add('media', createMediaProcessors(domain));
  }
  await runner.start();
  const bridge = new Bridge({
    sqs: sqs.sqs,
    queueUrl,
    dlqUrl,
    queues,
    ledger: new LedgerRepo(h.mysql),
    legacyJobs: new LegacyJobsRepo(h.mysql),
    log,
    metrics: h.metrics,
    durability: { mode: 'none', replicas: 0, timeoutMs: 1000 },
    options: { ...config.bridge, waitTimeSeconds: 1, pollers: 2 },
  });
  bridge.start();

  const busyStates = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;
  return {
    h,
    sqs,
    queueUrl,
    dlqUrl,
    queues,
    runner,
    fakes,
    secrets,
    logs,
    integrations,
    async send(type, format, data, o = {}) {
      const [id] = await sqs.send(queueUrl, [encodeMessage(type, format, data, o)]);
      return jobIdFor(o.idempotencyKey ?? id ?? '');
    },
    sendRaw: (messages) => sqs.send(queueUrl, messages),
    async idle(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let quiet = 0;
      while (Date.now() < deadline) {
        const depth = await sqs.depth(queueUrl);
        let busy = depth.visible + depth.inFlight;
        for (const job of registry.jobs()) busy += await queues.get(job.name).getJobCountByTypes(...busyStates);
        // Twice in a row: a job may be between the bridge's receive and its add.
        quiet = busy === 0 ? quiet + 1 : 0;
        if (quiet >= 2) {
          await integrations?.flush();
          await status.flush();
          return true;
        }
        await sleep(150);
      }
      return false;
    },
    async close() {
      bridge.stopIntake();
      await bridge.drain(AbortSignal.timeout(5000));
      await runner.drain(AbortSignal.timeout(5000));
      await runner.forceClose();
      await status.close();
      await index.flush().catch(() => {});
      await integrations?.close();
      await analytics?.close();
      await queues.close();
      await sqs.stop();
      await Promise.allSettled(Object.values(fakes).map((f) => f.stop()));
      await h.close();
    },
  };
}
