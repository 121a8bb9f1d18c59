import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTenantEndpoint } from '@fable-jobs/testing';
import { WebhookDeliveriesRepo, eventIdFor } from '../src/index.ts';
import { startStack, type Stack } from './stack.ts';

let s: Stack;
// Internal services an attacker would like to reach: they must never see a request.
let victim: FakeTenantEndpoint;
let victim6: FakeTenantEndpoint;
beforeAll(async () => {
  victim = await new FakeTenantEndpoint().start();
  victim6 = await new FakeTenantEndpoint({ host: '::1' }).start();
  s = await startStack();
});
afterAll(async () => {
  await s?.close();
  await victim?.stop();
  await victim6?.stop();
});

const Q = 'integrations.tenant-webhook';
let seq = 0;

async function deliverTo(url: string, platform: 'FableWebhook' | 'Zapier' = 'FableWebhook', state: 'failed' | 'completed' = 'failed') {
  const id = String(Date.now() % 1_000_000_000) + String(seq++).padStart(3, '0');
  const tenantConfig = platform === 'Zapier' ? { hookUrl: url } : { url, reqBody: '{"email":"{{email}}"}', reqHeaders: '{}' };
  s.fakes.mainApi.integrations.set(id, { org: { id: 5 }, platformIntegration: { type: platform }, tenantIntegration: { id: Number(id), tenantConfig } });
  s.fakes.mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });
  const jobId = await s.send('NF', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: id, payload_eventPayload: JSON.stringify({ email: 'v@example.com', ti: 9001 }) });
  return { jobId, job: await s.waitFor(Q, jobId, state) };
}

describe('SSRF: tenant URLs cannot reach inside', () => {
  it.each([
    ['IPv4 loopback', (): string => `http://127.0.0.1:${victim.port}/admin`, /127\.0\.0\.1, which is not a public address \(loopback\)/],
    ['IPv6 loopback', (): string => `http://[::1]:${victim6.port}/admin`, /::1, which is not a public address \(loopback\)/],
    ['IPv4-mapped IPv6 loopback', (): string => `http://[::ffff:127.0.0.1]:${victim.port}/admin`, /::ffff:7f00:1, which is not a public address \(IPv4-mapped IPv6 of 127\.0\.0\.1 \(loopback\)\)/],
    ['cloud metadata', (): string => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/', /169\.254\.169\.254, which is not a public address \(link-local \(incl\. cloud metadata 169\.254\.169\.254\)\)/],
    ['a host name resolving to loopback', (): string => `http://localhost:${victim.port}/admin`, /localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)/],
    ['a decimal-encoded loopback', (): string => `http://2130706433:${victim.port}/admin`, /127\.0\.0\.1, which is not a public address \(loopback\)/],
    ['a private network address', (): string => 'http://10.0.0.5:8080/', /10\.0\.0\.5, which is not a public address \(private network\)/],
    ['the unspecified address', (): string => `http://0.0.0.0:${victim.port}/`, /0\.0\.0\.0, which is not a public address \("this network"\)/],
    ['a Zapier hook URL pointing inside', (): string => `http://127.0.0.1:${victim.port}/hooks/catch/1/2/`, /127\.0\.0\.1, which is not a public address \(loopback\)/],
  ] as const)('refuses %s with nothing sent', async (name, url, why) => {
    const { jobId, job } = await deliverTo(url(), name.startsWith('a Zapier') ? 'Zapier' : 'FableWebhook');
    expect(job.failedReason).toMatch(/^WEBHOOK_BLOCKED_ADDRESS: refused to connect: /);
    expect(job.failedReason).toMatch(why);
    expect(job.attemptsMade).toBe(1);
    expect(victim.requests).toHaveLength(0);
    expect(victim6.requests).toHaveLength(0);
    const [row] = await new WebhookDeliveriesRepo(s.h.mysql).forEvent(eventIdFor(Q, jobId));
    expect(row).toMatchObject({ status: 'failed', error_code: 'WEBHOOK_BLOCKED_ADDRESS', will_retry: 0, http_status: null });
  });

  it('re-checks a redirect: a 307 from an allowed endpoint to a private address is refused', async () => {
    const path = `/redirect-${seq++}`;
    s.fakes.tenant.script(`POST ${path}`, { status: 307, headers: { location: `http://127.0.0.1:${victim.port}/internal/secrets` } });
    const { job } = await deliverTo(`${s.fakes.tenant.url}${path}`);
    expect(job.failedReason).toMatch(/^WEBHOOK_BLOCKED_ADDRESS: refused to connect: 127\.0\.0\.1, which is not a public address \(loopback\)/);
    expect(s.fakes.tenant.received(`POST ${path}`)).toHaveLength(1);
    expect(victim.requests).toHaveLength(0);
  });

  it('an invalid redirect Location fails for good (retrying cannot fix it)', async () => {
    const path = `/bad-location-${seq++}`;
    s.fakes.tenant.script(`POST ${path}`, { status: 307, headers: { location: 'http://[::1' } });
    const { job } = await deliverTo(`${s.fakes.tenant.url}${path}`);
    expect(job.failedReason).toMatch(/^WEBHOOK_REDIRECT_REFUSED: the endpoint answered 307 with an invalid Location/);
    expect(job.attemptsMade).toBe(1);
  });

  it('follows a 307 to an allowed address but never a 302 (which would turn the POST into a GET)', async () => {
    const hop = `/hop-${seq++}`;
    const final = `/final-${seq++}`;
    s.fakes.tenant.script(`POST ${hop}`, { status: 308, headers: { location: final } });
    const { job: ok } = await deliverTo(`${s.fakes.tenant.url}${hop}`, 'FableWebhook', 'completed');
    expect(ok.returnvalue).toMatchObject({ httpStatus: 200, redirects: 1 });
    const [req] = s.fakes.tenant.received(`POST ${final}`);
    expect(req?.body).toBe('{"email":"v@example.com"}');
    expect(req?.headers['x-fable-event-id']).toMatch(/^evt_/);

    const moved = `/moved-${seq++}`;
    s.fakes.tenant.script(`POST ${moved}`, { status: 302, headers: { location: `${s.fakes.tenant.url}/elsewhere` } });
    const { job } = await deliverTo(`${s.fakes.tenant.url}${moved}`);
    expect(job.failedReason).toMatch(/^WEBHOOK_REDIRECT_REFUSED: the endpoint answered 302 \(redirect to .*\/elsewhere\); only 307\/308 are followed/);
    expect(s.fakes.tenant.received('POST /elsewhere')).toHaveLength(0);
  });
});
