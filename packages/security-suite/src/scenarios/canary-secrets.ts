// Canaries in every secret setting, in headers and in secret-named payload fields of a real `fable-jobs start`, searched wherever data lands.
import { createHmac, randomBytes } from 'node:crypto';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueUrlCommand } from '@aws-sdk/client-sqs';
import { hashPassword } from '@fable-jobs/api';
import { encodeMessage, registry } from '@fable-jobs/contracts';
import { migrateWithRetry, mysqlKnex } from '@fable-jobs/db';
import { QueueSet } from '@fable-jobs/queue';
import { createRedis } from '@fable-jobs/runtime';
import {
  FakeCobalt,
  FakeMailchimp,
  FakeMainApi,
  FakeSlackWebhook,
  FakeSmartLead,
  FakeTenantEndpoint,
  freePort,
  slackSignature,
  spawnCli,
  startFakeAnthropic,
  startFakeLlmMainApi,
  startFakeOpenAi,
  startFakeSlack,
  startJwksIssuer,
  startSqs,
  testConfig,
} from '@fable-jobs/testing';
import { AUDIENCE } from '../lib/api-stack.ts';
import { basic, Http } from '../lib/http.ts';
import { MainApiRouter } from '../lib/main-api-router.ts';
import { dumpPrefix } from '../lib/redis-dump.ts';
import { fastJobOverrides } from '../lib/fleet-stack.ts';
import { runScenario, sleep, tag, waitUntil, type ScenarioResult } from '../lib/result.ts';

/** Where a canary comes from: settings and headers may appear nowhere; payload fields may sit in job data by design. */
type Kind = 'setting' | 'header' | 'payload';

interface Canary {
  name: string;
  value: string;
  kind: Kind;
}

/** One place data lands: `text` may never hold a canary; `data` is job input shown or kept by design. */
interface Surface {
  name: string;
  text: string[];
  data: string[];
}

const c = (prefix: string) => `canary-${prefix}-${randomBytes(8).toString('hex')}`;

/** Job hashes hold input (`data`, `opts`) and results (`failedReason`, `stacktrace`, `returnvalue`...): split them. */
function splitRedis(values: Map<string, string>): Surface {
  const s: Surface = { name: 'Redis (every key under the prefix)', text: [], data: [] };
  for (const [key, v] of values) {
    if (v.startsWith('hash ')) {
      const h = JSON.parse(v.slice(5)) as Record<string, string>;
      if ('data' in h && 'timestamp' in h) {
        for (const [f, fv] of Object.entries(h)) (f === 'data' || f === 'opts' ? s.data : s.text).push(`${key}.${f}=${fv}`);
        continue;
      }
    }
    s.text.push(`${key}=${v}`);
  }
  return s;
}

/** Bull Board job JSON: `data` is the job input; everything else (reasons, stack traces, return values, logs) is output. */
function splitJobs(name: string, bodies: unknown[]): Surface {
  const s: Surface = { name, text: [], data: [] };
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (typeof v !== 'object' || v === null) return void s.text.push(String(v));
    const o = v as Record<string, unknown>;
    const isJob = 'data' in o && ('timestamp' in o || 'failedReason' in o || 'returnValue' in o);
    for (const [k, x] of Object.entries(o)) {
      if (isJob && k === 'data') s.data.push(JSON.stringify(x));
      else if (typeof x === 'object' && x !== null) visit(x);
      else s.text.push(`${k}=${String(x)}`);
    }
  };
  bodies.forEach(visit);
  return s;
}

export async function canarySecrets(): Promise<ScenarioResult> {
  return runScenario('canary-secrets', 240_000, async (t, defer) => {
    const run = tag();
    const base = testConfig().config;
    await migrateWithRetry(base, { createDatabases: true });
    const startedAt = new Date(Date.now() - 1000);

    // --- canaries in every secret setting (each really used by the fleet) ---
    const s = {
      anthropicRefused: c('anthropic-refused'),
      anthropic: c('anthropic'),
      openai: c('openai'),
      mailchimp: `canarymailchimp${randomBytes(10).toString('hex')}-us21`,
      cobalt: c('cobalt'),
      smartLead: c('smartlead'),
      slackHookToken: c('slackhook'),
      slackBot: `xoxb-${c('slackbot')}`,
      slackSigning: c('slacksigning'),
      apiServerToken: c('svctoken'),
      webhookMaster: c('whmaster'),
      dashAdmin: c('dashadmin'),
      dashViewer: c('dashviewer'),
      mysql: c('mysqlpw'),
      postgres: c('pgpw'),
      postgresJobs: c('pgjobspw'),
      awsSecret: c('awssecret'),
      metricsToken: c('metricstoken'),
    };
    const viewerHash = await hashPassword(s.dashViewer);
    const dbUser = `sec_${run}`;
    const root = mysqlKnex(base.mysql);
    defer.add('mysql root', () => root.destroy());
    await root.raw(`CREATE USER ??@'%' IDENTIFIED BY ?`, [dbUser, s.mysql]);
    defer.add('mysql user', () => root.raw(`DROP USER IF EXISTS ??@'%'`, [dbUser]));
    await root.raw(`GRANT ALL PRIVILEGES ON ??.* TO ??@'%'`, [base.mysql.database, dbUser]);

    // --- the third parties, on loopback ---
    const sqs = await startSqs();
    defer.add('sqs', () => sqs.stop());
    const assetBucket = `assets-${run}`;
    const privateBucket = `private-${run}`;
    const s3 = new S3Client({ endpoint: sqs.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    defer.add('s3', () => s3.destroy());
    for (const b of [assetBucket, privateBucket]) await s3.send(new CreateBucketCommand({ Bucket: b }));
    await s3.send(new PutObjectCommand({ Bucket: assetBucket, Key: 'idx/demo.json', Body: JSON.stringify({ entities: { s1: { annotations: [{ refId: 'r1', displayText: '<p>Hello there</p>' }] } } }), ContentType: 'application/json' }));
    const anthropic = await startFakeAnthropic({ keys: { [s.anthropic]: 'backup' }, minCacheableTokens: 100 });
    const openai = await startFakeOpenAi(s.openai);
    const slackApi = await startFakeSlack(s.slackBot);
    const issuer = await startJwksIssuer();
    const llmMain = await startFakeLlmMainApi();
    const mainApi = await new FakeMainApi({ token: s.apiServerToken }).start();
    const slackHook = await new FakeSlackWebhook().start();
    const mailchimp = await new FakeMailchimp({ apiKey: s.mailchimp }).start();
    const cobalt = await new FakeCobalt({ apiKey: s.cobalt }).start();
    const smartLead = await new FakeSmartLead({ apiKey: s.smartLead, campaigns: [381761] }).start();
    const tenant = await new FakeTenantEndpoint().start();
    const router = await new MainApiRouter((path) => (/^\/(v1\/f\/|v1\/cconfig|upload\/|ptour\/|cdn\/)/.test(path) ? llmMain.url : mainApi.url)).start();
    defer.add('fakes', async () => {
      await Promise.allSettled([anthropic.server.close(), openai.server.close(), slackApi.server.close(), issuer.server.close(), llmMain.server.close()]);
      await Promise.allSettled([mainApi, slackHook, mailchimp, cobalt, smartLead, tenant].map((f) => f.stop()));
      await router.stop();
    });

    // --- the fleet: one real process (bridge, every pool, API) with the canaries in its environment ---
    const port = await freePort();
    const prefix = `canary-${run}`;
    const queueName = `canary-${run}`;
    const env: Record<string, string> = {
      LOG_LEVEL: 'debug',
      BULLMQ_PREFIX: prefix,
      PORT: String(port),
      HOST: '127.0.0.1',
      AWS_ENDPOINT_URL: sqs.endpoint,
      AWS_ACCESS_KEY_ID: 'canary-access-key-id',
      AWS_SECRET_ACCESS_KEY: s.awsSecret,
      SQS_Q_NAME: queueName,
      METRICS_TOKEN: s.metricsToken,
      AWS_ASSET_FILE_S3_BUCKET: assetBucket,
      LLM_PRIVATE_BUCKET: privateBucket,
      DB_USER: dbUser,
      DB_PWD: s.mysql,
      ANALYTICS_DB_PWD: s.postgres,
      ANALYTICS_JOBS_DB_PWD: s.postgresJobs,
      DASHBOARD_USERS: `ops:admin:${s.dashAdmin};viewer:viewer:${viewerHash}`,
      ANTHORIPC_KEY: `main|${s.anthropicRefused};backup|${s.anthropic}`,
      LLM_ANTHROPIC_BASE_URL: anthropic.url,
      OPENAI_KEY: s.openai,
      LLM_OPENAI_BASE_URL: `${openai.url}/v1`,
      AUTH0_ISSUER_URL: issuer.issuer,
      AUTH0_AUDIENCES: AUDIENCE,
      API_SERVER_ENDPOINT: router.url,
      API_SERVER_TOKEN: s.apiServerToken,
      SLACK_WEBHOOK_URL: `${slackHook.webhookUrl}?token=${s.slackHookToken}`,
      SLACK_API_BASE_URL: slackApi.url,
      SLACK_FABLE_BOT_BOT_USER_TOKEN: s.slackBot,
      SLACK_SIGNING_SECRET: s.slackSigning,
      SLACK_ALLOWED_USER_IDS: 'U0CANARY',
      MAILCHIMP_API_KEY: s.mailchimp,
      MAILCHIMP_BASE_URL: mailchimp.url,
      MAILCHIMP_LIST_ID: mailchimp.listId,
      COBALT_API_KEY: s.cobalt,
      COBALT_BASE_URL: cobalt.url,
      SMART_LEAD_API_KEY: s.smartLead,
      SMARTLEAD_BASE_URL: smartLead.baseUrl,
      SMARTLEAD_PLAN_CAMPAIGNS: 'STARTUP=381761,BUSINESS=999999',
      WEBHOOK_SIGNING_SECRET: s.webhookMaster,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_TEST_ALLOWLIST: `127.0.0.1:${tenant.port}`,
      WEBHOOK_TIMEOUT_MS: '2000',
      INTEGRATIONS_REQUEST_TIMEOUT_MS: '3000',
      JOB_OVERRIDES: fastJobOverrides(),
      BRIDGE_WAIT_SECONDS: '1',
      WORKER_STATUS_FLUSH_MS: '50',
      LLM_ROUTE_WAIT_MS: '20000',
    };
    const proc = spawnCli(['start'], env);
    defer.add('fleet process', async () => {
      if (proc.child.exitCode === null) {
        proc.child.kill('SIGTERM');
        const exited = await Promise.race([proc.exited.then(() => true), sleep(15_000).then(() => false)]);
        if (!exited) proc.child.kill('SIGKILL');
      }
      await proc.exited;
    });
    await proc.waitForLine(/Fable Jobs is running/, 90_000);
    const http = new Http(`http://127.0.0.1:${port}`);
    defer.add('http', () => http.close());
    const redis = createRedis(base.redis.url, 'producer');
    defer.add('redis', async () => {
      // The fleet's keys of this run go with it.
      const keys = [...(await dumpPrefix(redis, prefix)).values.keys()];
      for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
      redis.disconnect();
    });
    const queues = new QueueSet({ connection: redis, prefix });
    defer.add('queues', () => queues.close());
    const { QueueUrl: queueUrl } = await sqs.sqs.send(new GetQueueUrlCommand({ QueueName: queueName }));
    const { QueueUrl: dlqUrl } = await sqs.sqs.send(new GetQueueUrlCommand({ QueueName: `${queueName}-dlq` }));

    // --- traffic, successes and failures ---
    const jwtOk = issuer.sign({ sub: `auth0|canary-${run}`, aud: AUDIENCE });
    const jwtFail = issuer.sign({ sub: `auth0|canary-fail-${run}`, aud: AUDIENCE });
    const headerCanaries = {
      bogusBearer: c('bogusbearer'),
      wrongBasic: c('wrongbasic'),
      apiKeyHeader: c('xapikey'),
      cookie: c('cookie'),
      serviceHeader: c('svcheader'),
    };
    const payload = {
      llmPassword: c('llm-password'),
      llmApiKey: c('llm-apikey'),
      nfPassword: c('nf-password'),
      nfToken: c('nf-token'),
      cbeApiKey: c('cbe-apikey'),
      cbeSecret: c('cbe-secret'),
      eventApiKey: c('event-apikey'),
      poisonPassword: c('poison-password'),
    };
    const tenantSecrets = { signing: c('tenant-signing'), token: c('tenant-token') };
    const json = { 'content-type': 'application/json' };
    const llm = (jwt: string, marker: string) =>
      http.request({ method: 'POST', path: '/v1/f/llmops', headers: { ...json, authorization: `Bearer 7:${jwt}` }, body: JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: `canary-${marker}`, user_payload: { req: `route ${marker}`, password: payload.llmPassword, apiKey: payload.llmApiKey } }) });
    const llmOk = await llm(jwtOk, 'ok');
    anthropic.scriptWhen((b) => JSON.stringify(b.messages).includes(`route fail-${run}`), undefined, { kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' });
    const llmFail = await llm(jwtFail, `fail-${run}`);
    const aud = (body: Record<string, unknown>) => http.request({ method: 'POST', path: '/v1/f/aud/gen', headers: { ...json, authorization: `Bearer 7:${jwtOk}` }, body: JSON.stringify({ reason: 'vo', indexUri: 'idx/demo.json', voice: 'alloy', entityUri: 's1/r1', entityType: 'q_ann', vars: {}, ...body }) });
    const audOk = await aud({});
    // The SDK retries a 5xx: fail every try.
    openai.script({ kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' }, { kind: 'server-error' });
    const audFail = await aud({});
    await http.request({ path: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization: `Bearer ${headerCanaries.bogusBearer}` } });
    await http.request({ path: '/admin/queues/api/queues', headers: { authorization: basic('ops', headerCanaries.wrongBasic) } });
    await http.request({ path: '/admin/api/dlq', headers: { authorization: basic('viewer', headerCanaries.wrongBasic) } });
    await http.request({ path: '/health', headers: { 'x-api-key': headerCanaries.apiKeyHeader, cookie: `session=${headerCanaries.cookie}`, 'x-fable-service-token': headerCanaries.serviceHeader } });
    await http.request({ method: 'POST', path: '/v1/f/llmops', headers: { ...json, authorization: `Bearer 7:${jwtOk}`, 'x-api-key': headerCanaries.apiKeyHeader, cookie: `session=${headerCanaries.cookie}` }, body: '{"v":' });
    // Slack: a correctly signed event and command, a badly signed one.
    const slackEvent = JSON.stringify({ type: 'url_verification', challenge: `challenge-${run}` });
    const slackOk = await http.request({ method: 'POST', path: '/v1/slack/url_verification', headers: { ...json, ...slackSignature(s.slackSigning, slackEvent) }, body: slackEvent });
    const unfurl = JSON.stringify({ type: 'event_callback', event_id: `Ev${run}`, event: { type: 'link_shared', channel: 'C1', message_ts: '1.2', links: [{ url: 'https://app.fable.test/demo/rid-canary' }] } });
    await http.request({ method: 'POST', path: '/v1/slack/handle', headers: { ...json, ...slackSignature(s.slackSigning, unfurl) }, body: unfurl });
    await http.request({ method: 'POST', path: '/v1/slack/url_verification', headers: { ...json, ...slackSignature('not-the-secret', slackEvent) }, body: slackEvent });

    // SQS messages: every integration, a success and a failure each, plus a poison message.
    mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });
    const integration = (id: string, path: string) =>
      mainApi.integrations.set(id, {
        org: { id: 5 },
        platformIntegration: { type: 'FableWebhook' },
        tenantIntegration: { id: Number(id), tenantConfig: { url: `${tenant.url}${path}`, reqBody: '{"email":"{{email}}"}', reqHeaders: JSON.stringify({ Authorization: `Bearer ${tenantSecrets.token}`, 'X-Api-Key': '{{apiKey}}' }), signingSecret: tenantSecrets.signing } },
      });
    integration('61001', `/ok-${run}`);
    integration('61002', `/fail-${run}`);
    tenant.script(`POST /fail-${run}`, { status: 500, body: { error: 'tenant down' } });
    // Failing providers echo the credential they were sent (some do): it must not reach a failure reason or a log.
    mailchimp.script((r) => r.path.includes('/members/') && (r.json as { email_address?: string } | undefined)?.email_address === `fail-${run}@example.com`, { status: 500, body: { title: 'Internal', detail: `key ${s.mailchimp} is suspended` } });
    cobalt.script((r) => (r.json as { linked_account_id?: string } | undefined)?.linked_account_id === `org-fail-${run}`, { status: 500, body: { message: `x-api-key ${s.cobalt} rejected` } });
    smartLead.script('GET /api/v1/campaigns/999999', { status: 503, body: { message: `api_key=${s.smartLead} over quota` } });
    mainApi.script('GET /v1/fat/tenant_integration/61999', { status: 500, body: { status: 'Failure', data: null, errStr: `token ${s.apiServerToken} expired` } });
    const messages = [
      encodeMessage('NF', 'legacy', { eventName: 'NEW_USER_SIGNUP', payload_email: `ok-${run}@example.com`, payload_firstName: 'Ada', payload_password: payload.nfPassword, payload_token: payload.nfToken }),
      encodeMessage('NF', 'legacy', { eventName: 'NEW_USER_SIGNUP', payload_email: `fail-${run}@example.com`, payload_firstName: 'Bob', payload_password: payload.nfPassword }),
      encodeMessage('NF', 'legacy', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `sl-${run}@example.com`, payload_firstName: 'Sam', payload_lastName: 'Lead', payload_subs: 'STARTUP' }),
      encodeMessage('NF', 'legacy', { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `slfail-${run}@example.com`, payload_firstName: 'Sal', payload_lastName: 'Fail', payload_subs: 'BUSINESS' }),
      encodeMessage('NF', 'legacy', { eventName: 'NEW_ORG_CREATED', payload_id: `org-ok-${run}` }),
      encodeMessage('NF', 'legacy', { eventName: 'NEW_ORG_CREATED', payload_id: `org-fail-${run}` }),
      encodeMessage('CBE', 'json', { email: `cbe-${run}@example.com`, orgId: `org-ok-${run}`, apiKey: payload.cbeApiKey, secret: payload.cbeSecret }),
      encodeMessage('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: '61001', payload_eventPayload: JSON.stringify({ email: `wh-${run}@example.com`, ti: 9001, apiKey: payload.eventApiKey }) }),
      encodeMessage('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: '61002', payload_eventPayload: JSON.stringify({ email: `whf-${run}@example.com`, ti: 9001, apiKey: payload.eventApiKey }) }),
      encodeMessage('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: '61999', payload_eventPayload: JSON.stringify({ email: `whm-${run}@example.com`, ti: 9001 }) }),
      encodeMessage('SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', 'legacy', { orgIdStr: '5', beforePlan: 'SOLO', afterPlan: 'BUSINESS' }),
      encodeMessage('TRIGGER_ANALYTICS_JOB', 'json', { job: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW' }),
      encodeMessage('SYSTEM_NOOP', 'legacy', { fail: 'permanent', note: `visible-${run}` }),
      encodeMessage('NF', 'legacy', { eventName: 'NOT_AN_EVENT', payload_password: payload.poisonPassword }),
    ];
    await sqs.send(queueUrl ?? '', messages);

    // Wait for the fleet to finish everything.
    const busy = async () => {
      const depth = await sqs.depth(queueUrl ?? '');
      let n = depth.visible + depth.inFlight;
      // Not delayed: the analytics schedulers always keep their next run there.
      for (const j of registry.jobs()) n += await queues.get(j.name).getJobCountByTypes('waiting', 'active', 'prioritized', 'waiting-children');
      return n;
    };
    await waitUntil(async () => (await busy()) === 0 && (await busy()) === 0, 60_000, 250);
    await sleep(500);

    // The dashboard: a viewer reads everything; an admin retries a failed job (audited).
    const viewer = { authorization: basic('viewer', s.dashViewer) };
    const admin = { authorization: basic('ops', s.dashAdmin) };
    const failedNoop = (await queues.get('system.noop').getFailed())[0];
    const retried = failedNoop ? await http.request({ method: 'PUT', path: `/admin/queues/api/queues/system.noop/${encodeURIComponent(failedNoop.id ?? '')}/retry`, headers: admin }) : undefined;
    await sleep(1000);
    const board: unknown[] = [];
    for (const j of registry.jobs()) {
      for (const status of ['latest', 'failed', 'completed', 'active', 'waiting', 'delayed']) {
        const r = await http.request({ path: `/admin/queues/api/queues?activeQueue=${encodeURIComponent(j.name)}&status=${status}&page=1&jobsPerPage=100`, headers: viewer });
        board.push(r.json);
      }
      for (const job of [...(await queues.get(j.name).getJobs(['failed', 'completed', 'waiting', 'delayed'], 0, 100))]) {
        const r = await http.request({ path: `/admin/queues/api/queues/${encodeURIComponent(j.name)}/${encodeURIComponent(job.id ?? '')}`, headers: viewer });
        board.push(r.json);
        const logs = await http.request({ path: `/admin/queues/api/queues/${encodeURIComponent(j.name)}/${encodeURIComponent(job.id ?? '')}/logs`, headers: viewer });
        board.push(logs.json);
      }
    }
    const adminApi: unknown[] = [];
    const dlqList = await http.request({ path: '/admin/api/dlq?limit=500', headers: viewer });
    adminApi.push(dlqList.json);
    const shown: unknown[] = [];
    for (const e of ((dlqList.json as { data?: Array<{ id: string }> } | undefined)?.data ?? [])) shown.push((await http.request({ path: `/admin/api/dlq/${encodeURIComponent(e.id)}`, headers: viewer })).json);
    for (const path of ['/admin/api/audit?limit=1000', '/admin/api/search?type=org&value=5', '/admin/api/search?type=integration&value=61001']) adminApi.push((await http.request({ path, headers: viewer })).json);
    const metricsRefused = await http.request({ path: '/metrics' });
    const metrics = await http.request({ path: '/metrics', headers: { authorization: `Bearer ${s.metricsToken}` } });

    // Stop the fleet gracefully (its last log lines count), then read what it left.
    proc.child.kill('SIGTERM');
    await Promise.race([proc.exited, sleep(20_000)]);
    const rows = async (table: string, column: string) => root(table).where(column, '>=', startedAt).select('*');
    const mysqlSurfaces: Surface[] = [];
    for (const [table, column, dataCols] of [
      ['job_runs', 'updated_at', []],
      ['audit_log', 'at', []],
      ['webhook_deliveries', 'created_at', ['request_body']],
      ['llm_runs', 'created_at', ['input']],
      ['llm_run_attempts', 'created_at', []],
      ['message_ledger', 'last_seen_at', []],
      ['job_keys', 'created_at', []],
    ] as Array<[string, string, string[]]>) {
      const surface: Surface = { name: `MySQL ${table}`, text: [], data: [] };
      for (const r of (await rows(table, column)) as Array<Record<string, unknown>>) {
        for (const [k, v] of Object.entries(r)) (dataCols.includes(k) ? surface.data : surface.text).push(`${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`);
      }
      mysqlSurfaces.push(surface);
    }
    const dead = await sqs.drain(dlqUrl ?? '');
    const surfaces: Surface[] = [
      { name: 'process output (stdout + stderr)', text: proc.lines, data: [] },
      splitRedis((await dumpPrefix(redis, prefix)).values),
      ...mysqlSurfaces,
      splitJobs('dashboard JSON API (Bull Board)', board),
      { name: 'admin API (lists, audit, search)', text: adminApi.map((x) => JSON.stringify(x)), data: [] },
      // A dead letter's details carry the message (body, attributes) or the failed job's input (data): input by design.
      { name: 'admin API dead-letter details', text: shown.map((x) => JSON.stringify({ ...(x as { data?: object }), data: { ...((x as { data?: object }).data ?? {}), body: undefined, attributes: undefined, data: undefined } })), data: shown.map((x) => JSON.stringify(x)) },
      { name: 'SQS dead-letter queue', text: dead.map((m) => JSON.stringify(m.MessageAttributes?.['fable_dlq'] ?? {})), data: dead.map((m) => JSON.stringify(m)) },
      { name: '/metrics', text: [metrics.text], data: [] },
    ];

    const canaries: Canary[] = [
      ...Object.entries(s).map(([k, value]): Canary => ({ name: `setting ${k}`, value, kind: 'setting' })),
      { name: 'setting dashboard viewer scrypt hash', value: viewerHash, kind: 'setting' },
      { name: 'setting dashboard viewer Basic header', value: basic('viewer', s.dashViewer).slice(6), kind: 'setting' },
      { name: 'setting dashboard admin Basic header', value: basic('ops', s.dashAdmin).slice(6), kind: 'setting' },
      { name: 'tenant config signingSecret', value: tenantSecrets.signing, kind: 'setting' },
      { name: 'tenant config header token', value: tenantSecrets.token, kind: 'setting' },
      { name: 'header Authorization JWT (success)', value: jwtOk.split('.')[2] ?? jwtOk, kind: 'header' },
      { name: 'header Authorization JWT (failed run)', value: jwtFail.split('.')[2] ?? jwtFail, kind: 'header' },
      ...Object.entries(headerCanaries).map(([k, value]): Canary => ({ name: `header ${k}`, value, kind: 'header' })),
      { name: 'header wrong Basic password (base64)', value: basic('ops', headerCanaries.wrongBasic).slice(6), kind: 'header' },
      ...Object.entries(payload).map(([k, value]): Canary => ({ name: `payload field ${k}`, value, kind: 'payload' })),
    ];
    for (const canary of canaries) {
      const found: string[] = [];
      for (const surface of surfaces) {
        const places = canary.kind === 'payload' ? surface.text : [...surface.text, ...surface.data];
        const hit = places.find((p) => p.includes(canary.value));
        if (hit) found.push(`${surface.name}: …${hit.slice(Math.max(0, hit.indexOf(canary.value) - 80), hit.indexOf(canary.value) + canary.value.length + 20)}…`);
      }
      t.attempt(canary.name, found.length > 0, found.join(' | '));
    }

    // Controls: each secret was really used, and each surface was really read.
    t.control('Anthropic received the canary key (and refused the other)', anthropic.calls.some((r) => r.headers['x-api-key'] === s.anthropic) && anthropic.calls.some((r) => r.headers['x-api-key'] === s.anthropicRefused));
    t.control('llmops answered 200 with the tool call, and the failing run 5xx', llmOk.status === 200 && llmFail.status >= 500, `${llmOk.status} / ${llmFail.status}`);
    t.control('OpenAI received the canary key; aud/gen answered 200, then 5xx', openai.calls.some((r) => r.headers.authorization === `Bearer ${s.openai}`) && audOk.status === 200 && audFail.status >= 500, `${audOk.status} / ${audFail.status}`);
    t.control('Mailchimp received the canary key', mailchimp.received().some((r) => Buffer.from((r.headers['authorization'] ?? '').slice(6), 'base64').toString().endsWith(`:${s.mailchimp}`)));
    t.control('Cobalt received the canary key', cobalt.received().some((r) => r.headers['x-api-key'] === s.cobalt));
    t.control('SmartLead received the canary key', smartLead.received().some((r) => r.query['api_key'] === s.smartLead));
    t.control('the Slack webhook received a post on the canary URL', slackHook.messages().some((r) => r.url.includes(s.slackHookToken)));
    t.control('the Slack Web API received the canary bot token', slackApi.server.requests.some((r) => r.headers.authorization === `Bearer ${s.slackBot}`));
    t.control('a request signed with the canary Slack secret was answered', slackOk.status === 200);
    t.control('the main API received the canary service token', mainApi.received().some((r) => r.headers['x-fable-service-token'] === s.apiServerToken));
    const [delivered] = tenant.received(`POST /ok-${run}`);
    const sig = /t=(\d+),v1=([0-9a-f]+)/.exec(delivered?.headers['x-fable-signature'] ?? '');
    t.control('the tenant delivery was signed with the tenant canary secret', !!sig && createHmac('sha256', tenantSecrets.signing).update(`${sig[1]}.${delivered?.body}`).digest('hex') === sig[2]);
    t.control('the MySQL user with the canary password wrote job records', mysqlSurfaces[0]!.text.length > 0);
    t.control('the dashboard let the viewer in with the canary password', board.some((b) => JSON.stringify(b).includes('system.noop')));
    t.control('an admin retried a failed job in Bull Board', (retried?.status ?? 500) < 300, `${retried?.status}`);
    const redisSurface = surfaces[1]!;
    t.control('the search reads job data: payload canaries are in Redis job data', redisSurface.data.some((d) => d.includes(payload.nfPassword)));
    t.control('the search reads the dashboard: a job note is in its JSON', surfaces.find((x) => x.name.startsWith('dashboard'))!.data.some((d) => d.includes(`visible-${run}`)));
    t.control('the search reads the process output', proc.lines.some((l) => l.includes('workers started')));
    t.control('the search reads /metrics (with the canary METRICS_TOKEN; 401 without it)', /fable_/.test(metrics.text) && metricsRefused.status === 401);
    t.control('failures happened (failed reasons to search)', mysqlSurfaces[0]!.text.some((x) => x.startsWith('state=failed')));
    const counts = surfaces.map((x) => `${x.name} ${x.text.length + x.data.length}`).join(', ');
    return `${canaries.filter((x) => x.kind === 'setting').length} setting canaries (every secret setting, each used), ${canaries.filter((x) => x.kind === 'header').length} header canaries, ${canaries.filter((x) => x.kind === 'payload').length} payload-field canaries; real process \`fable-jobs start\` at LOG_LEVEL=debug with successes and failures on every integration, llmops, aud/gen, Slack, the dashboard and SQS (poison included). Searched (items): ${counts}`;
  });
}
