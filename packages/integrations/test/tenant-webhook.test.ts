import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor, integrationSecret, WebhookDeliveriesRepo } from '../src/index.ts';
import { SECRETS, startStack, type Stack } from './stack.ts';

let s: Stack;
let repo: WebhookDeliveriesRepo;
beforeAll(async () => {
  s = await startStack();
  repo = new WebhookDeliveriesRepo(s.h.mysql);
});
afterAll(async () => {
  await s?.close();
});

const Q = 'integrations.tenant-webhook';
let seq = 0;
const newId = () => String(Date.now() % 1_000_000_000) + String(seq++).padStart(3, '0');

/** A Fable-webhook integration posting to its own path on the tenant fake. */
function fableIntegration(opts: { reqBody?: string; reqHeaders?: string; path?: string; orgId?: number } = {}) {
  const id = newId();
  const path = opts.path ?? `/hooks/${id}`;
  s.fakes.mainApi.integrations.set(id, {
    org: { id: opts.orgId ?? 77 },
    platformIntegration: { id: 1, type: 'FableWebhook', name: 'Webhook' },
    tenantIntegration: {
      id: Number(id),
      orgId: opts.orgId ?? 77,
      event: 'CREATE_OR_UPDATE_CONTACT',
      tenantConfig: {
        url: `${s.fakes.tenant.url}${path}`,
        reqBody: opts.reqBody ?? '{"contact":{"email":"{{email}}","name":"{{firstName}} {{lastName}}"},"demo":"{{demo_rid}}","source":"fable"}',
        reqHeaders: opts.reqHeaders ?? '{"Authorization":"Bearer tenant-secret-{{demo_rid}}","X-Custom":"v1"}',
      },
    },
  });
  return { id, path };
}

function demo(): { ti: number; rid: string } {
  const ti = 500 + seq++;
  s.fakes.mainApi.demos.set(String(ti), { id: ti, rid: `demo-rid-${ti}`, displayName: `Product tour ${ti}` });
  return { ti, rid: `demo-rid-${ti}` };
}

function runIntegration(integrationId: string, eventPayload: Record<string, unknown>, event = 'CREATE_OR_UPDATE_CONTACT') {
  return s.send('NF', { eventName: 'RUN_INTEGRATION', payload_event: event, payload_integrationId: integrationId, payload_eventPayload: JSON.stringify(eventPayload) });
}

function verify(sig: string | undefined, secret: string, body: string): boolean {
  const m = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(sig ?? '');
  if (!m) return false;
  return createHmac('sha256', secret).update(`${m[1]}.${body}`).digest('hex') === m[2];
}

describe('tenant webhooks (RUN_INTEGRATION)', () => {
  it('renders the Fable webhook template and headers, signs it, POSTs it, and logs the attempt (secrets masked)', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    const payload = { email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace', ti: d.ti };
    const jobId = await runIntegration(id, payload);
    const job = await s.waitFor(Q, jobId, 'completed');
    const eventId = eventIdFor(Q, jobId);
    expect(job.returnvalue).toMatchObject({ eventId, httpStatus: 200, redirects: 0 });

    const [req, ...more] = s.fakes.tenant.received(`POST ${path}`);
    expect(more).toHaveLength(0);
    const body = '{"contact":{"email":"ada@example.com","name":"Ada Lovelace"},"demo":"' + d.rid + '","source":"fable"}';
    expect(req?.body).toBe(body);
    expect(req?.headers).toMatchObject({
      'content-type': 'application/json',
      authorization: `Bearer tenant-secret-${d.rid}`,
      'x-custom': 'v1',
      'x-fable-event-id': eventId,
      'x-fable-event': 'CREATE_OR_UPDATE_CONTACT',
      'x-fable-delivery-attempt': '1',
    });
    expect(verify(req?.headers['x-fable-signature'], integrationSecret(SECRETS.signingMaster, id), body)).toBe(true);
    expect(verify(req?.headers['x-fable-signature'], integrationSecret(SECRETS.signingMaster, `${id}0`), body)).toBe(false);

    // Main API: integration, demo (with the service token), then the WEBHOOK_EXEC log.
    const api = s.fakes.mainApi.received((r) => r.path === `/v1/fat/tenant_integration/${id}` || r.path === `/v1/tour/by/id/${d.ti}` || (r.path === '/v1/new/log' && (r.json as { forObjectId?: number }).forObjectId === Number(id)));
    // The two lookups run side by side; the log comes after the delivery.
    expect(api.map((r) => `${r.method} ${r.path}`).slice(0, 2).sort()).toEqual([`GET /v1/fat/tenant_integration/${id}`, `GET /v1/tour/by/id/${d.ti}`]);
    expect(`${api[2]?.method} ${api[2]?.path}`).toBe('POST /v1/new/log');
    expect(api[2]?.at ?? 0).toBeGreaterThanOrEqual(req?.at ?? Infinity);
    for (const r of api) expect(r.headers['x-fable-service-token']).toBe(SECRETS.apiServerToken);
    expect(api[2]?.json).toEqual({
      orgId: 77,
      logType: 'WEBHOOK_EXEC',
      forObjectType: 'TENANT_INTEGRATION',
      forObjectId: Number(id),
      logLine: {
        status: 'success',
        httpStatus: 200,
        isRetry: false,
        willRetry: false,
        attempt: 1,
        eventId,
        reason: 'delivered',
        payload,
        url: `${s.fakes.tenant.url}${path}`,
        headers: expect.objectContaining({ Authorization: '***', 'x-fable-signature': '***', 'X-Custom': 'v1', 'x-fable-event-id': eventId }),
        body,
        respTxt: '{"received":true}',
      },
    });

    const rows = await repo.forEvent(eventId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ attempt: 1, job_id: jobId, integration_id: id, org_id: 77, platform: 'FableWebhook', event: 'CREATE_OR_UPDATE_CONTACT', status: 'success', http_status: 200, request_body: body, response_body: '{"received":true}', error_code: null });
    const stored = JSON.stringify(rows[0]) + JSON.stringify(api[2]?.json) + s.logLines.join('');
    expect(stored).not.toContain('tenant-secret');
    expect(stored).not.toContain(req?.headers['x-fable-signature']);
    // Job data carries ids, not secrets or rendered requests.
    expect(JSON.stringify((await s.queues.get(Q).getJob(jobId))?.data)).not.toMatch(/tenant-secret|Bearer/);
  });

  it('Zapier: POSTs the payload without ti, plus demo_rid and demo_name, to the hook URL (stored redacted)', async () => {
    const id = newId();
    const hook = s.fakes.zapier.hookUrl('987654', `h${id}`);
    s.fakes.mainApi.integrations.set(id, { org: { id: 88 }, platformIntegration: { type: 'Zapier' }, tenantIntegration: { id: Number(id), tenantConfig: { hookUrl: hook } } });
    const d = demo();
    const jobId = await runIntegration(id, { email: 'zap@example.com', score: 7, ti: d.ti });
    await s.waitFor(Q, jobId, 'completed');
    const [req] = s.fakes.zapier.received(`POST /hooks/catch/987654/h${id}/`);
    expect(JSON.parse(req?.body ?? '')).toEqual({ email: 'zap@example.com', score: 7, demo_rid: d.rid, demo_name: `Product tour ${d.ti}` });
    expect(req?.headers['x-fable-event-id']).toBe(eventIdFor(Q, jobId));
    expect(verify(req?.headers['x-fable-signature'], integrationSecret(SECRETS.signingMaster, id), req?.body ?? '')).toBe(true);
    const [row] = await repo.forEvent(eventIdFor(Q, jobId));
    expect(row?.url).toBe(`${s.fakes.zapier.url}/hooks/catch/***/***/`);
    expect(row?.platform).toBe('Zapier');
  });

  it('retries a 5xx with the same event id, logging each attempt, and completes when the endpoint recovers', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    s.fakes.tenant.script(`POST ${path}`, { status: 503, body: 'maintenance' });
    const jobId = await runIntegration(id, { email: 'r@example.com', ti: d.ti });
    const job = await s.waitFor(Q, jobId, 'completed');
    expect(job.attemptsMade).toBe(2);
    const reqs = s.fakes.tenant.received(`POST ${path}`);
    expect(reqs.map((r) => [r.headers['x-fable-event-id'], r.headers['x-fable-delivery-attempt']])).toEqual([
      [eventIdFor(Q, jobId), '1'],
      [eventIdFor(Q, jobId), '2'],
    ]);
    const rows = await repo.forEvent(eventIdFor(Q, jobId));
    expect(rows.map((r) => [r.attempt, r.status, r.http_status, Boolean(r.will_retry), r.error_code])).toEqual([
      [1, 'failed', 503, true, 'WEBHOOK_HTTP_5XX'],
      [2, 'success', 200, false, null],
    ]);
    const logs = s.fakes.mainApi.logs().filter((l) => l['forObjectId'] === Number(id)).map((l) => l['logLine'] as Record<string, unknown>);
    expect(logs.map((l) => [l['status'], l['httpStatus'], l['isRetry'], l['willRetry'], l['reason']])).toEqual([
      ['failed', 503, false, true, 'WEBHOOK_HTTP_5XX: the endpoint answered 503: maintenance'],
      ['success', 200, true, false, 'delivered'],
    ]);
  });

  it('fails a 4xx permanently after one attempt, with the reason', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    s.fakes.tenant.script(`POST ${path}`, { status: 401, body: { error: 'bad token' } });
    const jobId = await runIntegration(id, { email: 'x@example.com', ti: d.ti });
    const job = await s.waitFor(Q, jobId, 'failed');
    expect(job.failedReason).toBe('WEBHOOK_HTTP_4XX: the endpoint answered 401: {"error":"bad token"}');
    expect(job.attemptsMade).toBe(1);
    expect(s.fakes.tenant.received(`POST ${path}`)).toHaveLength(1);
  });

  it('honours a 429 Retry-After before the retry', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    s.fakes.tenant.script(`POST ${path}`, { status: 429, headers: { 'retry-after': '1' }, body: 'slow down' });
    const jobId = await runIntegration(id, { email: 'rl@example.com', ti: d.ti });
    await s.waitFor(Q, jobId, 'completed');
    const [first, second] = s.fakes.tenant.received(`POST ${path}`);
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000);
    const rows = await repo.forEvent(eventIdFor(Q, jobId));
    expect(rows[0]).toMatchObject({ status: 'failed', http_status: 429, error_code: 'WEBHOOK_RATE_LIMITED', reason: 'the endpoint answered 429: slow down (Retry-After 1 s)' });
  });

  it('retries a timeout and a reset connection', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    s.fakes.tenant.script(`POST ${path}`, { status: 200, hang: true }, { status: 200, reset: true });
    const jobId = await runIntegration(id, { email: 't@example.com', ti: d.ti });
    const job = await s.waitFor(Q, jobId, 'completed');
    expect(job.attemptsMade).toBe(3);
    const rows = await repo.forEvent(eventIdFor(Q, jobId));
    expect(rows.map((r) => [r.status, r.error_code, Boolean(r.will_retry)])).toEqual([
      ['failed', 'WEBHOOK_TIMEOUT', true],
      ['failed', 'WEBHOOK_UNREACHABLE', true],
      ['success', null, false],
    ]);
    expect(rows[0]?.reason).toMatch(/no complete answer within 1500 ms/);
  });

  it('refuses an unsupported event, and reports a main API 404, without sending anything', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    const jobId = await runIntegration(id, { email: 'e@example.com', ti: d.ti }, 'DELETE_CONTACT');
    const job = await s.waitFor(Q, jobId, 'failed');
    expect(job.failedReason).toBe('WEBHOOK_UNSUPPORTED_EVENT: event "DELETE_CONTACT" is not supported (supported: CREATE_OR_UPDATE_CONTACT)');
    expect(job.attemptsMade).toBe(1);
    expect(s.fakes.tenant.received(`POST ${path}`)).toHaveLength(0);
    const log = s.fakes.mainApi.logs().find((l) => l['forObjectId'] === Number(id));
    expect(log?.['logLine']).toMatchObject({ status: 'failed', willRetry: false, reason: job.failedReason });

    const missing = await runIntegration('99999999999', { ti: d.ti });
    const gone = await s.waitFor(Q, missing, 'failed');
    expect(gone.failedReason).toBe('MAIN_API_NOT_FOUND: main API server GET /v1/fat/tenant_integration/99999999999 answered 404 Failure: Tenant integration not found');
  });

  it('retries when the main API server fails (5xx)', async () => {
    const { id, path } = fableIntegration();
    const d = demo();
    s.fakes.mainApi.script(`GET /v1/fat/tenant_integration/${id}`, { status: 502, body: 'bad gateway' });
    const jobId = await runIntegration(id, { email: 'm@example.com', ti: d.ti });
    const job = await s.waitFor(Q, jobId, 'completed');
    expect(job.attemptsMade).toBe(2);
    expect(s.fakes.tenant.received(`POST ${path}`)).toHaveLength(1);
    const [row] = await repo.forEvent(eventIdFor(Q, jobId));
    expect(row).toMatchObject({ attempt: 1, status: 'failed', error_code: 'MAIN_API_UNAVAILABLE', reason: 'Main API server GET /v1/fat/tenant_integration/' + id + ' answered 502: bad gateway' });
  });

  it('keeps injected values inside their JSON strings, and fails a bad template permanently with the template error', async () => {
    const { id, path } = fableIntegration({ reqBody: '{"email":"{{email}}","tags":[{{#each tags}}{{#if @index}},{{/if}}"{{this}}"{{/each}}],"n":{{count}} }' });
    const d = demo();
    const attack = { email: 'x","admin":true,"y":"', tags: ['a"]}', '\\'], count: '1, "admin": true', ti: d.ti };
    const ok = await runIntegration(id, attack);
    await s.waitFor(Q, ok, 'completed');
    const [req] = s.fakes.tenant.received(`POST ${path}`);
    expect(JSON.parse(req?.body ?? '')).toEqual({ email: 'x","admin":true,"y":"', tags: ['a"]}', '\\'], n: '1, "admin": true' });

    const cases: Array<[string, RegExp]> = [
      ['{"a":"{{{email}}}"}', /\{\{\{…\}\}\} and \{\{&…\}\} \(line 1, column 7\) are not allowed: every value is JSON-encoded/],
      ['{"a":"{{constructor.constructor}}"}', /property "constructor" is not accessible/],
      ['{"a":"{{lookup this "constructor"}}"}', /helpers are not available/],
      ['{"a":"{{> secrets}}"}', /partials .* are not supported/],
      ['{"a": {{email}}', /the rendered body is not valid JSON/],
      ['{"a":"{{#each tags}}{{/each}"}', /the template does not parse/],
    ];
    for (const [reqBody, why] of cases) {
      const bad = fableIntegration({ reqBody });
      const jobId = await runIntegration(bad.id, { email: 'e', tags: [], ti: d.ti });
      const job = await s.waitFor(Q, jobId, 'failed');
      expect(job.failedReason, reqBody).toMatch(/^WEBHOOK_TEMPLATE_INVALID: /);
      expect(job.failedReason, reqBody).toMatch(why);
      expect(job.attemptsMade).toBe(1);
      expect(s.fakes.tenant.received(`POST ${bad.path}`)).toHaveLength(0);
    }
    const headerInjection = fableIntegration({ reqHeaders: '{"X-Name":"{{email}}"}' });
    const hj = await runIntegration(headerInjection.id, { email: 'a\r\nX-Admin: 1', ti: d.ti });
    expect((await s.waitFor(Q, hj, 'failed')).failedReason).toBe('WEBHOOK_TEMPLATE_INVALID: header X-Name: the rendered value contains a line break or NUL');
    expect(s.fakes.tenant.received(`POST ${headerInjection.path}`)).toHaveLength(0);
  });
});
