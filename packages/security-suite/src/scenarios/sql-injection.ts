// SQL injection through every catalogue message field (real bridge and pools), every slash-command argument and every llmops field.
import { registry, type MessageDefinition } from '@fable-jobs/contracts';
import { migrateWithRetry, type Knex } from '@fable-jobs/db';
import { enqueue } from '@fable-jobs/queue';
import { slackSignature, testConfig } from '@fable-jobs/testing';
import { startApiStack, startLlmFakes, type ApiStack } from '../lib/api-stack.ts';
import { startFleetStack, type FleetStack } from '../lib/fleet-stack.ts';
import { dumpPrefix } from '../lib/redis-dump.ts';
import { runScenario, tag, waitUntil, type ScenarioResult, type Tally } from '../lib/result.ts';

/** What a database says when a value became SQL text (syntax) or a placeholder (bindings). */
export const SQL_INTERPOLATION = /ER_PARSE_ERROR|ER_SYNTAX_ERROR|You have an error in your SQL syntax|syntax error at or near|syntax error at end of input|unterminated quoted (string|identifier)|Undefined binding|Expected \d+ bindings|ER_WRONG_VALUE_COUNT|ER_BAD_FIELD_ERROR|Unknown column|ER_NO_SUCH_TABLE|column "[^"]*" does not exist|relation "[^"]*" does not exist|ER_EMPTY_QUERY|ER_SP_DOES_NOT_EXIST|ER_CANT_AGGREGATE/i;
/** Any database error code at all (reported in the notes: a data error is not an injection, but worth knowing). */
const SQL_ANY = /\bER_[A-Z_]{3,}\b/;

interface Sample {
  type: string;
  /** Sub-type label (NF event, analytics kind) for the report. */
  label: string;
  format: 'legacy' | 'json';
  data: Record<string, unknown>;
  /** Fields inside a JSON-string field (RUN_INTEGRATION's eventPayload): injected one by one too. */
  nested?: { field: string; value: Record<string, unknown> };
}

/** The injection strings: each names the canary tables and carries `{id}` (the attempt) for attribution. */
function payloads(mysqlCanary: string, pgCanary: string, marker: string): string[] {
  return [
    "' OR '1'='1",
    "' OR 1=1 -- {id}",
    `x'; DROP TABLE ${mysqlCanary}; -- {id}`,
    `x"; DROP TABLE ${mysqlCanary}; -- {id}`,
    `x'); INSERT INTO ${mysqlCanary} (id, marker) VALUES (2, '${marker}-{id}'); -- `,
    `x'; UPDATE jobs SET failure_reason = '${marker}-{id}' WHERE job_key LIKE 'seccanary-%'; -- `,
    `\\'; DROP TABLE ${mysqlCanary}; -- {id}`,
    `x' UNION SELECT 1, '${marker}-{id}' -- `,
    `x'; DROP TABLE ${pgCanary}; -- {id}`,
    `$$; DROP TABLE ${pgCanary}; $$ {id}`,
    "x' || (SELECT pg_sleep(3)) || '{id}",
    "1' AND SLEEP(3) AND '1'='1 {id}",
    '? ?? :name {id} \\?',
    `x\u0000'; DROP TABLE ${mysqlCanary}; -- {id}`,
    `x\uFF07; DROP TABLE ${mysqlCanary}; -- {id}`,
    "x%' OR '%'=' {id}",
  ];
}

/** A valid message of every type (and every sub-type that routes differently). */
function samples(t: string, keyOf: (n: string) => string): Sample[] {
  return [
    { type: 'TRANSCODE_VIDEO', label: 'TRANSCODE_VIDEO', format: 'legacy', data: { key: keyOf('tv'), sourceFilePath: `s3://sec-media-${t}/src/a.mp4`, processedFilePath: `s3://sec-media-${t}/out/`, sub: 'CONVERT_TO_HLS', info: 'x' } },
    { type: 'TRANSCODE_AUDIO', label: 'TRANSCODE_AUDIO', format: 'legacy', data: { key: keyOf('ta'), sourceFilePath: `s3://sec-media-${t}/src/a.mp3`, processedFilePath: `s3://sec-media-${t}/out/`, sub: 'CONVERT_TO_WEBM', info: 'x' } },
    { type: 'NF', label: 'NF NEW_USER_SIGNUP', format: 'legacy', data: { eventName: 'NEW_USER_SIGNUP', payload_email: `ada-${t}@example.com`, payload_firstName: 'Ada', payload_lastName: 'Lovelace' } },
    { type: 'NF', label: 'NF EBOOK_DOWNLOAD', format: 'legacy', data: { eventName: 'EBOOK_DOWNLOAD', payload_email: `ada-${t}@example.com`, payload_name: 'Ada' } },
    { type: 'NF', label: 'NF NEW_ORG_CREATED', format: 'legacy', data: { eventName: 'NEW_ORG_CREATED', payload_id: `org-${t}` } },
    {
      type: 'NF',
      label: 'NF RUN_INTEGRATION',
      format: 'legacy',
      data: { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: `77${Date.now() % 1_000_000}` },
      nested: { field: 'payload_eventPayload', value: { email: `lead-${t}@example.com`, ti: 9001, firstName: 'Lea' } },
    },
    { type: 'NF', label: 'NF NEW_USER_SIGNUP_WITH_SUBS', format: 'legacy', data: { eventName: 'NEW_USER_SIGNUP_WITH_SUBS', payload_email: `sub-${t}@example.com`, payload_firstName: 'Sam', payload_lastName: 'Sub', payload_subs: 'STARTUP' } },
    {
      type: 'CBE',
      label: 'CBE',
      format: 'json',
      data: { email: `cbe-${t}@example.com`, orgId: `cbe-org-${t}`, ctaClickRate: '0.5', demoCompletion: '50', totalTimeSpent: '30', demoUniqueViews: '2', demoTotalViews: '3', lastActiveAt: new Date().toISOString(), activityUrl: 'https://app.fable.test/a/1', demoName: 'Tour' },
    },
    { type: 'SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', label: 'SUBS_UPGRADE_DOWNGRADE_SIDE_EFFECT', format: 'legacy', data: { orgIdStr: `sub-org-${t}`, beforePlan: 'SOLO', afterPlan: 'BUSINESS' } },
    { type: 'TRIGGER_ANALYTICS_JOB', label: 'TRIGGER_ANALYTICS_JOB', format: 'json', data: { job: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW' } },
    { type: 'SYSTEM_NOOP', label: 'SYSTEM_NOOP', format: 'legacy', data: { note: 'n', key: keyOf('noop'), tenant: `tenant-${t}` } },
    { type: 'SYSTEM_EFFECT', label: 'SYSTEM_EFFECT', format: 'legacy', data: { effectKey: `sec-${t}-effect`, key: keyOf('effect') } },
  ];
}

/** Property names a message schema declares (TypeBox emits JSON Schema). */
function schemaFields(def: MessageDefinition): string[] {
  const props = (def.schema as { properties?: Record<string, unknown> }).properties ?? {};
  return Object.keys(props);
}

async function tableRows(db: Knex, table: string): Promise<string> {
  return JSON.stringify(await db(table).select('*').orderBy('id'));
}

export async function sqlInjection(): Promise<ScenarioResult> {
  return runScenario('sql-injection', 240_000, async (t, defer) => {
    const run = tag();
    const marker = `injected-${run}`;
    const startedAt = new Date(Date.now() - 1000);
    const cfg = testConfig().config;
    await migrateWithRetry(cfg, { createDatabases: true });

    const fleet = await startFleetStack({ pools: ['system', 'media', 'integrations', 'analytics'] });
    defer.add('fleet', () => fleet.close());
    const mysql = fleet.h.mysql;
    const pg = fleet.h.postgres;

    // Canaries: a table in each database, and rows of the legacy jobs table no message names.
    const mysqlCanary = `sec_canary_${run}`;
    const pgCanary = `sec_canary_${run}`;
    for (const db of [mysql, pg]) {
      await db.schema.createTable(mysqlCanary, (x) => {
        x.integer('id').primary();
        x.string('marker', 255);
      });
      await db(mysqlCanary).insert({ id: 1, marker: 'intact' });
    }
    defer.add('canary tables', async () => {
      await mysql.schema.dropTableIfExists(mysqlCanary);
      await pg.schema.dropTableIfExists(pgCanary);
    });
    const canaryKeys = [1, 2, 3].map((n) => `seccanary-${run}-${n}`);
    const keyOf = (n: string) => `seckey-${run}-${n}`;
    const legacyKeys = [...canaryKeys, ...['tv', 'ta', 'noop', 'effect', 'ctl-noop', 'ctl-tv'].map(keyOf)];
    await mysql('jobs').insert(legacyKeys.map((k) => ({ job_type: 'SEC', job_key: k, processing_status: 1 })));
    defer.add('legacy rows', () => mysql('jobs').where('job_key', 'like', `sec%-${run}-%`).delete());
    const jobsBefore = JSON.stringify(await mysql('jobs').whereIn('job_key', canaryKeys).orderBy('id'));
    const mysqlBefore = await tableRows(mysql, mysqlCanary);
    const pgBefore = await tableRows(pg, pgCanary);

    // The fakes the pools call: the tenant integration and demo of RUN_INTEGRATION, a plan change.
    const all = samples(run, keyOf);
    const runIntegration = all.find((s) => s.label === 'NF RUN_INTEGRATION');
    const integrationId = String(runIntegration?.data['payload_integrationId']);
    fleet.fakes.mainApi.integrations.set(integrationId, {
      org: { id: 5 },
      platformIntegration: { type: 'FableWebhook' },
      tenantIntegration: { id: Number(integrationId), tenantConfig: { url: `${fleet.fakes.tenant.url}/sql-${run}`, reqBody: '{"email":"{{email}}","firstName":"{{firstName}}"}', reqHeaders: '{"X-Lead":"{{email}}"}' } },
    });
    fleet.fakes.mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });

    // Coverage of the catalogue: every message type has a sample, every NF event too.
    const types = registry.messages().map((m) => m.type);
    const missing = types.filter((ty) => !all.some((s) => s.type === ty));
    t.control('every message type of the catalogue has a sample', missing.length === 0, missing.join(', '));
    const nf = registry.message('NF');
    const nfCases = nf && 'cases' in nf.routes ? Object.keys(nf.routes.cases) : [];
    const nfMissing = nfCases.filter((c) => !all.some((s) => s.type === 'NF' && s.data['eventName'] === c));
    t.control('every NF event has a sample', nfMissing.length === 0, nfMissing.join(', '));

    // SQS refuses control characters (NUL...) in bodies and attributes: those payloads go to the API only.
    const list = payloads(mysqlCanary, pgCanary, marker);
    const viaSqs = list.filter((p) => !/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/.test(p));
    let n = 0;
    const sent: Array<{ id: string; label: string; jobId: string; sleepy?: boolean }> = [];
    const attackId = () => `a${n++}`;
    for (const s of all) {
      const def = registry.message(s.type);
      const fields = [...new Set([...Object.keys(s.data), ...(def ? schemaFields(def) : [])])];
      for (const field of fields) {
        for (const p of viaSqs) {
          const id = attackId();
          const data = { ...s.data, [field]: p.replaceAll('{id}', id) };
          if (s.nested) data[s.nested.field] = JSON.stringify(s.nested.value);
          sent.push({ id, label: `${s.label}.${field}`, jobId: await fleet.send(s.type, s.format, data), sleepy: /sleep/i.test(p) });
        }
      }
      if (s.nested) {
        for (const field of Object.keys(s.nested.value)) {
          for (const p of viaSqs) {
            const id = attackId();
            const data = { ...s.data, [s.nested.field]: JSON.stringify({ ...s.nested.value, [field]: p.replaceAll('{id}', id) }) };
            sent.push({ id, label: `${s.label}.${s.nested.field}.${field}`, jobId: await fleet.send(s.type, s.format, data), sleepy: /sleep/i.test(p) });
          }
        }
      }
    }
    // The envelope: the idempotency key (ledger, job id) and the body (message type).
    for (const p of viaSqs) {
      const id = attackId();
      sent.push({ id, label: 'envelope.idempotencyKey', jobId: await fleet.send('SYSTEM_EFFECT', 'legacy', { effectKey: `sec-${run}-${id}` }, { idempotencyKey: p.replaceAll('{id}', id) }) });
      const id2 = attackId();
      await fleet.sendRaw([{ body: p.replaceAll('{id}', id2), attributes: { key: keyOf('noop') } }]);
      sent.push({ id: id2, label: 'envelope.body (type)', jobId: '' });
      const id3 = attackId();
      await fleet.sendRaw([{ body: JSON.stringify({ type: p.replaceAll('{id}', id3), data: {} }) }]);
      sent.push({ id: id3, label: 'envelope.type (JSON)', jobId: '' });
    }

    // Controls on the same paths: each pool's SQL effect happens for a legitimate message.
    const ctlEffect = `sec-${run}-control`;
    await fleet.send('SYSTEM_EFFECT', 'legacy', { effectKey: ctlEffect, key: keyOf('ctl-noop') });
    await fleet.send('TRANSCODE_VIDEO', 'legacy', { key: keyOf('ctl-tv'), sourceFilePath: `s3://sec-media-${run}/src/c.mp4`, processedFilePath: `s3://sec-media-${run}/out/`, sub: 'CONVERT_TO_HLS' });
    const ctlIntegration = `${integrationId}1`;
    fleet.fakes.mainApi.integrations.set(ctlIntegration, { org: { id: 5 }, platformIntegration: { type: 'FableWebhook' }, tenantIntegration: { id: Number(ctlIntegration), tenantConfig: { url: `${fleet.fakes.tenant.url}/sql-ctl-${run}`, reqBody: '{"email":"{{email}}"}' } } });
    await fleet.send('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: ctlIntegration, payload_eventPayload: JSON.stringify({ email: `ctl-${run}@example.com`, ti: 9001 }) });
    const analyticsJob = await fleet.send('TRIGGER_ANALYTICS_JOB', 'json', { job: 'REFRESH_ENTITY_METRICS_MATERIALIZED_VIEW' });

    // The API side: slash commands and llmops, at the same time as the fleet works.
    const api = await apiSide(t, defer, run, list, marker, attackId);

    t.control('the fleet finished every job', await fleet.idle(150_000));
    await api.settle();

    // An unknown kind reaches SQL only as job data (an operator's replay): one at a time, the queue coalesces.
    const analyticsQueue = fleet.queues.get('analytics.refresh-entity-metrics');
    const kinds: string[] = [];
    for (const p of viaSqs) {
      const id = attackId();
      const kind = `${id} ${p.replaceAll('{id}', id)}`.slice(0, 64);
      kinds.push(kind);
      const jobId = `sec-an-${run}-${id}`;
      await enqueue(fleet.queues, { name: 'analytics.refresh-entity-metrics', data: { kind, trigger: 'operator' }, jobId });
      await waitUntil(async () => ['completed', 'failed'].includes(await (await analyticsQueue.getJob(jobId))?.getState() ?? ''), 15_000);
      sent.push({ id, label: 'analytics job data kind (operator path)', jobId });
    }
    const recorded: Array<{ kind: string }> = await pg.raw('SELECT kind FROM al.job_runs WHERE kind = ANY(?)', [kinds]).then((r: { rows: Array<{ kind: string }> }) => r.rows);
    t.control('the analytics pool recorded each rejected kind verbatim in al.job_runs', new Set(recorded.map((r) => r.kind)).size === kinds.length, `${new Set(recorded.map((r) => r.kind)).size}/${kinds.length}`);

    // Effects in the databases that no single message can be blamed for.
    const mysqlAfter = (await mysql.schema.hasTable(mysqlCanary)) ? await tableRows(mysql, mysqlCanary) : 'dropped';
    const pgAfter = (await pg.schema.hasTable(pgCanary)) ? await tableRows(pg, pgCanary) : 'dropped';
    t.observe('MySQL canary table dropped or altered', mysqlAfter !== mysqlBefore, mysqlAfter);
    t.observe('PostgreSQL canary table dropped or altered', pgAfter !== pgBefore, pgAfter);
    const jobsAfter = JSON.stringify(await mysql('jobs').whereIn('job_key', canaryKeys).orderBy('id'));
    t.observe('legacy jobs rows no message named were changed', jobsAfter !== jobsBefore, jobsAfter.slice(0, 300));
    t.observe('platform tables (users, org 10, memberships, subscriptions) changed by the commands', (await api.platform()) !== api.platformBefore);

    // Interpolation revealed: database errors on every surface a failure is recorded or logged.
    const jobIds = sent.map((s) => s.jobId).filter(Boolean);
    const surfaces: Array<[string, string[]]> = [
      ['fleet log', fleet.logs.lines],
      ['API log', api.stack.logs.lines],
      ['Redis (jobs, failed reasons)', [...(await dumpPrefix(fleet.h.producer, fleet.h.prefix)).values.values(), ...(await dumpPrefix(api.stack.h.producer, api.stack.h.prefix)).values.values()]],
      ['job_runs.error', (await mysql('job_runs').whereIn('job_id', jobIds).whereNotNull('error').select('error')).map((r: { error: string }) => r.error)],
      ['jobs.failure_reason', (await mysql('jobs').where('job_key', 'like', `sec%-${run}-%`).whereNotNull('failure_reason').select('failure_reason')).map((r: { failure_reason: string }) => r.failure_reason)],
      ['webhook_deliveries.reason', (await mysql('webhook_deliveries').whereIn('job_id', jobIds).whereNotNull('reason').select('reason')).map((r: { reason: string }) => r.reason)],
      ['message_ledger.reason', (await mysql('message_ledger').where('last_seen_at', '>=', startedAt).whereNotNull('reason').select('reason')).map((r: { reason: string }) => r.reason)],
      ['llm_runs.error', (await mysql('llm_runs').where('created_at', '>=', startedAt).whereNotNull('error').select('error')).map((r: { error: string }) => r.error)],
      ['slash command replies', api.replies],
    ];
    const hits: string[] = [];
    const otherDbErrors = new Map<string, number>();
    for (const [where, lines] of surfaces) {
      for (const l of lines) {
        if (SQL_INTERPOLATION.test(l)) hits.push(`${where}: ${l.slice(0, 300)}`);
        const m = SQL_ANY.exec(l);
        if (m && !SQL_INTERPOLATION.test(l)) otherDbErrors.set(`${where}: ${m[0]}`, (otherDbErrors.get(`${where}: ${m[0]}`) ?? 0) + 1);
      }
    }
    const markedJobs = await mysql('jobs').where('failure_reason', 'like', `${marker}-a%`).select('failure_reason');
    // Stored payload text contains the marker too; only an executed UPDATE leaves it as the whole value.
    const executed = new Set(markedJobs.map((r: { failure_reason: string }) => r.failure_reason).filter((v: string) => /^injected-[a-z0-9]+-a\d+$/.test(v)).map((v: string) => v.split('-').pop()));
    let becameJobs = 0;
    for (const s of sent) {
      const mine = new RegExp(`\\b${s.id}\\b`);
      const errors = hits.filter((h) => mine.test(h));
      const runs = s.jobId ? await runsOf(fleet, s.jobId) : { jobs: 0, longestMs: 0 };
      if (runs.jobs > 0) becameJobs += 1;
      // Only a SLEEP/pg_sleep payload can have slept; other slow runs are load, not injection.
      const slept = s.sleepy ? runs.longestMs : 0;
      const through = errors.length > 0 || executed.has(s.id) || slept > 2900;
      t.attempt(`${s.label} (${s.id})`, through, `${errors.slice(0, 1).join('')}${executed.has(s.id) ? ' its UPDATE ran' : ''}${slept > 2900 ? ` ran ${slept} ms` : ''}`);
    }
    const unattributed = hits.filter((h) => !sent.some((s) => new RegExp(`\\b${s.id}\\b`).test(h)) && !api.ids.some((id) => new RegExp(`\\b${id}\\b`).test(h)));
    t.observe('database syntax/binding errors not attributable to one message', unattributed.length > 0, unattributed.slice(0, 3).join(' | '));

    // Controls: the SQL each path writes did happen.
    const effects = await mysql('system_effects').where('effect_key', ctlEffect).first();
    t.control('system.effect wrote its effect row', Number(effects?.count) === 1);
    const noopRow = await mysql('jobs').where('job_key', keyOf('ctl-noop')).first();
    t.control('the legacy jobs row of a system job was updated by key (Processed)', noopRow?.processing_status === 3, `status ${noopRow?.processing_status}`);
    const tvRow = await mysql('jobs').where('job_key', keyOf('ctl-tv')).first();
    t.control('the legacy jobs row of a media job was updated by key', tvRow?.processing_status !== 1, `status ${tvRow?.processing_status}: ${tvRow?.failure_reason ?? ''}`);
    const delivered = await mysql('webhook_deliveries').where('integration_id', ctlIntegration).first();
    t.control('the integrations pool recorded a delivery row', delivered?.status === 'success', `${delivered?.status}`);
    const analytics = await fleet.queues.get('analytics.refresh-entity-metrics').getJob(analyticsJob);
    t.control('an analytics kind ran on PostgreSQL', (await analytics?.getState()) === 'completed', `${await analytics?.getState()} ${analytics?.failedReason ?? ''}`);
    const probe = await Promise.all([mysql.raw("SELECT 'x"), pg.raw("SELECT 'x")].map((p) => p.then(() => '', (e: Error) => `${(e as { code?: string }).code ?? ''} ${e.message}`)));
    t.control('the error detector recognises real MySQL and PostgreSQL syntax errors', probe.every((m) => SQL_INTERPOLATION.test(m)), probe.join(' | ').slice(0, 200));
    const fieldCount = new Set(sent.map((s) => s.label)).size;
    return `${sent.length - kinds.length} injected messages (${fieldCount - 1} message fields incl. envelope × ${viaSqs.length} payloads; SQS refuses the NUL one) through the bridge (${becameJobs - kinds.length} became jobs and ran in the system, media and integrations pools; the rest were dead-lettered by schema/routing, analytics kinds included), ${kinds.length} analytics jobs with an injected kind as job data (the operator path; the pool records each in al.job_runs), ${api.attempts} slash-command and llmops requests${otherDbErrors.size ? `; other database errors seen (not injections): ${[...otherDbErrors].map(([k, c]) => `${k} ×${c}`).join(', ')}` : ''}`;
  });
}

/** Whether the message became a job in any queue, and its longest run. */
async function runsOf(fleet: FleetStack, jobId: string): Promise<{ jobs: number; longestMs: number }> {
  let longestMs = 0;
  let jobs = 0;
  for (const job of registry.jobs()) {
    const j = await fleet.queues.get(job.name).getJob(jobId);
    if (j) jobs += 1;
    if (j?.finishedOn && j.processedOn) longestMs = Math.max(longestMs, j.finishedOn - j.processedOn);
  }
  return { jobs, longestMs };
}

/** Slash commands (signed by the Slack secret) and llmops fields against the real API. */
interface ApiSide {
  stack: ApiStack;
  replies: string[];
  attempts: number;
  /** Attack ids used on the API side (attribution of errors). */
  ids: string[];
  platformBefore: string;
  platform(): Promise<string>;
  settle(): Promise<void>;
}

async function apiSide(t: Tally, defer: { add(what: string, fn: () => unknown): void }, run: string, list: string[], marker: string, nextId: () => string): Promise<ApiSide> {
  const ids: string[] = [];
  const attackId = () => {
    const id = nextId();
    ids.push(id);
    return id;
  };
  const fakes = await startLlmFakes();
  defer.add('llm fakes', () => fakes.stop());
  const tables = { users: `sec_${run}_users`, orgs: `sec_${run}_orgs`, userOrgs: `sec_${run}_user_orgs`, subscriptions: `sec_${run}_subs` };
  const admin = 'U0SECADMIN';
  const stack = await startApiStack({
    fakes,
    worker: true,
    env: {
      SLACK_ALLOWED_USER_IDS: admin,
      PLATFORM_USERS_TABLE: tables.users,
      PLATFORM_ORGS_TABLE: tables.orgs,
      PLATFORM_USER_ORGS_TABLE: tables.userOrgs,
      PLATFORM_SUBSCRIPTIONS_TABLE: tables.subscriptions,
      API_USER_RATE_LIMIT_MAX: '100000',
      LLM_REQUESTS_PER_MINUTE: '100000',
      LLM_TOKENS_PER_MINUTE: '100000000',
      LLM_ROUTE_WAIT_MS: '200',
      JOB_OVERRIDES: JSON.stringify({ 'llm.run': { attempts: 1 } }),
    },
  });
  defer.add('api', () => stack.close());
  const db = stack.h.mysql;
  await db.schema.createTable(tables.users, (x) => {
    x.increments('id');
    x.string('email', 320);
    x.string('first_name', 100).nullable();
    x.string('last_name', 100).nullable();
  });
  await db.schema.createTable(tables.orgs, (x) => {
    x.increments('id');
    x.string('display_name', 200);
    x.text('feature_gate_override').nullable();
  });
  await db.schema.createTable(tables.userOrgs, (x) => {
    x.integer('user_id');
    x.integer('org_id');
    x.string('role', 32).nullable();
  });
  await db.schema.createTable(tables.subscriptions, (x) => {
    x.integer('org_id');
    x.string('payment_plan', 32);
    x.string('payment_interval', 32).nullable();
    x.string('status', 32).nullable();
  });
  defer.add('platform tables', async () => {
    for (const name of Object.values(tables)) await db.schema.dropTableIfExists(name);
  });
  await db(tables.users).insert([{ id: 1, email: 'ada@example.com', first_name: 'Ada', last_name: 'Lovelace' }, { id: 2, email: 'bob@example.com', first_name: 'Bob' }]);
  await db(tables.orgs).insert([{ id: 10, display_name: 'Analytical Engines', feature_gate_override: '{"keep":true}' }, { id: 11, display_name: 'Side Project' }]);
  await db(tables.userOrgs).insert([{ user_id: 1, org_id: 10, role: 'admin' }]);
  await db(tables.subscriptions).insert([{ org_id: 10, payment_plan: 'BUSINESS', payment_interval: 'ANNUAL', status: 'active' }]);
  const snapshot = async () => JSON.stringify([await db(tables.users).orderBy('id'), await db(tables.orgs).where('id', 10), await db(tables.userOrgs), await db(tables.subscriptions)]);
  const platformBefore = await snapshot();

  const replies: string[] = [];
  let attempts = 0;
  const command = async (path: string, text: string) => {
    const body = new URLSearchParams({ command: `/${path}`, team_id: 'T1', user_id: admin, text }).toString();
    const t0 = Date.now();
    const res = await stack.http.request({ method: 'POST', path: `/v1/slack/pango/${path}`, headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(stack.slackSecret, body) }, body });
    replies.push(res.text);
    return { res, ms: Date.now() - t0, text: String((res.json as { text?: unknown } | undefined)?.text ?? res.text) };
  };
  for (const p of list) {
    const variants: Array<[string, string]> = [
      ['user-details', `email=${p.replaceAll('{id}', attackId())}`],
      ['user-details', `email=${p.replaceAll('{id}', attackId()).replace(/\s+/g, '/**/')}@example.com`],
      ['user-details', `email=ada@example.com${p.replaceAll('{id}', attackId()).replace(/\s+/g, '/**/')}`],
      ['update-feature', `orgId=${p.replaceAll('{id}', attackId())}`],
      ['update-feature', `orgId=11 ${p.replaceAll('{id}', attackId())}`],
      ['update-feature', `orgId=11\n\`\`\`${JSON.stringify({ [p.replaceAll('{id}', attackId()).slice(0, 60)]: true })}\`\`\``],
      ['update-feature', `orgId=11\n\`\`\`${JSON.stringify({ note: p.replaceAll('{id}', attackId()).slice(0, 250) })}\`\`\``],
    ];
    for (const [path, text] of variants) {
      attempts += 1;
      const r = await command(path, text);
      const foundSomeone = path === 'user-details' && / — user \d+/.test(r.text);
      const other = path === 'update-feature' && /Analytical Engines/.test(r.text);
      t.attempt(`/${path} ${JSON.stringify(text.slice(0, 60))}`, foundSomeone || other || (/sleep/i.test(text) && r.ms > 2900) || r.res.status >= 500 || r.text.includes(marker) && / — user /.test(r.text), `answered ${r.res.status} in ${r.ms} ms: ${r.text.slice(0, 120)}`);
    }
  }

  // llmops: every top-level field and a few user_payload fields, one payload at a time.
  const sub = `auth0|sec-${run}`;
  const base = { v: 2, type: 'root_router_req', model: '', thread: `sec-thread-${run}`, entityId: 'e1', user_payload: { req: 'make it blue', product_details: 'Invoices' } };
  type Body = Record<string, unknown> & { user_payload: Record<string, unknown> };
  const llmBodies: Array<[string, Body, string?]> = [];
  for (const p of list) {
    for (const field of ['type', 'model', 'thread', 'entityId', 'v']) llmBodies.push([`llmops.${field}`, { ...base, [field]: p.replaceAll('{id}', attackId()).slice(0, 120) }]);
    for (const field of ['req', 'product_details', 'change_type', 'usecase', 'extra_field']) llmBodies.push([`llmops.user_payload.${field}`, { ...base, user_payload: { ...base.user_payload, [field]: p.replaceAll('{id}', attackId()) } }]);
    llmBodies.push(['llmops JWT sub', base, p.replaceAll('{id}', attackId()).slice(0, 180)]);
  }
  for (const [label, body, forgedSub] of llmBodies) {
    attempts += 1;
    const res = await stack.http.request({ method: 'POST', path: '/v1/f/llmops', headers: { authorization: stack.auth(forgedSub ?? sub), 'content-type': 'application/json', prefer: 'respond-async' }, body: JSON.stringify(body) });
    t.attempt(`${label} ${JSON.stringify(JSON.stringify(body).slice(0, 50))}`, res.status >= 500, `answered ${res.status}: ${res.text.slice(0, 160)}`);
  }
  const ok = await stack.http.request({ method: 'POST', path: '/v1/f/llmops', headers: { authorization: stack.auth(sub), 'content-type': 'application/json' }, body: JSON.stringify({ ...base, thread: `ctl-${run}` }) });
  t.control('a legitimate llmops request runs (200 with the tool call; llm_runs row)', ok.status === 200 && (await db('llm_runs').where({ user_sub: sub, thread: `ctl-${run}` }).first())?.status === 'succeeded', `answered ${ok.status}`);
  const ada = await command('user-details', 'email=ada@example.com');
  t.control('/pango/user-details finds Ada by email', /Ada Lovelace/.test(ada.text) && /Analytical Engines/.test(ada.text), ada.text.slice(0, 80));
  const set = await command('update-feature', 'orgId=11\n```{"sec_flag": true}```');
  const org11 = await db(tables.orgs).where('id', 11).first();
  t.control('/pango/update-feature sets an override', String(org11?.feature_gate_override).includes('sec_flag'), set.text.slice(0, 80));
  return {
    stack,
    replies,
    attempts,
    ids,
    platformBefore,
    platform: snapshot,
    async settle() {
      const q = stack.queues.get('llm.run');
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline && (await q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) > 0) await new Promise((r) => setTimeout(r, 200));
    },
  };
}

