import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { loadConfig } from '@fable-jobs/runtime';
import { FakeCobalt, FakeMainApi, FakeTenantEndpoint } from '@fable-jobs/testing';
import { CobaltClient } from '../src/clients/cobalt.ts';
import { MainApiClient } from '../src/clients/main-api.ts';
import { ProviderHttp } from '../src/http/provider-http.ts';
import { SafeSender } from '../src/webhooks/safe-sender.ts';
import { integrationsSettings, mailchimpBaseUrl } from '../src/settings.ts';

const agent = new Agent({ connect: { timeout: 1000 } });
const http = new ProviderHttp(agent, { timeoutMs: 1500 });
const settings = (env: Record<string, string>) => integrationsSettings(loadConfig(env).config);

let cobalt: FakeCobalt;
let api: FakeMainApi;
let tenant: FakeTenantEndpoint;
beforeAll(async () => {
  cobalt = await new FakeCobalt({ apiKey: 'ck-1234' }).start();
  api = await new FakeMainApi().start();
  tenant = await new FakeTenantEndpoint().start();
});
afterAll(async () => {
  await Promise.all([cobalt.stop(), api.stop(), tenant.stop(), agent.close()]);
});

describe('provider clients against their fakes', () => {
  it("Cobalt: COBALT_WEBHOOK_ID sends events to the old service's per-webhook trigger", async () => {
    const client = new CobaltClient(http, settings({ COBALT_API_KEY: 'ck-1234', COBALT_BASE_URL: cobalt.url, COBALT_WEBHOOK_ID: '651e859faa1edef92d87b200' }));
    await client.sendEvent('42', 'ACTIVITY_ON_DEMO', { email: 'e@x.io' });
    const [req] = cobalt.received('POST /api/v1/webhook/651e859faa1edef92d87b200');
    expect(req?.headers).toMatchObject({ 'x-api-key': 'ck-1234', linked_account_id: '42', 'content-type': 'application/json' });
    expect(req?.json).toEqual({ event: 'ACTIVITY_ON_DEMO', payload: { email: 'e@x.io' } });
  });

  it('Cobalt: a wrong key is a permanent COBALT_AUTH with the message', async () => {
    const client = new CobaltClient(http, settings({ COBALT_API_KEY: 'wrong-key', COBALT_BASE_URL: cobalt.url }));
    await expect(client.createLinkedAccount('7')).rejects.toMatchObject({ name: 'PermanentError', code: 'COBALT_AUTH', message: 'Cobalt POST /api/v2/public/linked-account answered 401: Invalid API key' });
  });

  it('main API: no token header unless configured; a wrong token is refused permanently', async () => {
    const open = new MainApiClient(http, settings({ API_SERVER_ENDPOINT: api.url }));
    api.demos.set('1', { id: 1, rid: 'r1', displayName: 'D' });
    expect(await open.demoById('1')).toMatchObject({ rid: 'r1' });
    expect(Object.keys(api.requests.at(-1)?.headers ?? {})).not.toContain('x-fable-service-token');

    const guarded = await new FakeMainApi({ token: 'right', tokenHeader: 'X-Internal-Token' }).start();
    try {
      const wrong = new MainApiClient(http, settings({ API_SERVER_ENDPOINT: guarded.url, API_SERVER_TOKEN: 'nope', API_SERVER_TOKEN_HEADER: 'X-Internal-Token' }));
      await expect(wrong.lockDemos('5', true)).rejects.toMatchObject({ name: 'PermanentError', code: 'MAIN_API_REJECTED', message: 'main API server POST /v1/lock answered 401 Failure: Unauthorized' });
      const right = new MainApiClient(http, settings({ API_SERVER_ENDPOINT: guarded.url, API_SERVER_TOKEN: 'right', API_SERVER_TOKEN_HEADER: 'X-Internal-Token' }));
      guarded.lockAnswers.set('5', ['a', 'b']);
      expect(await right.lockDemos('5', true)).toEqual(['a', 'b']);
      expect(guarded.requests.at(-1)?.headers['x-internal-token']).toBe('right');
    } finally {
      await guarded.stop();
    }
  });

  it('main API: not configured is a permanent failure naming the setting', async () => {
    await expect(new MainApiClient(http, settings({})).republish('r')).rejects.toMatchObject({ code: 'INTEGRATION_NOT_CONFIGURED', message: 'The main API server is not configured: set API_SERVER_ENDPOINT' });
  });

  it('a provider that accepts the connection but never answers fails within the total timeout, retryable', async () => {
    api.script('GET /v1/repub/entity/rid/slow', { status: 200, hang: true });
    const t0 = Date.now();
    await expect(new MainApiClient(http, settings({ API_SERVER_ENDPOINT: api.url })).republish('slow')).rejects.toMatchObject({ name: 'RetryableError', code: 'MAIN_API_TIMEOUT' });
    expect(Date.now() - t0).toBeLessThan(3000);
  });

  it('Mailchimp: the data centre comes from the prefix, else from the key', () => {
    expect(mailchimpBaseUrl(settings({ MAILCHIP_SERVER_PREFIX: 'us21' }))).toBe('https://us21.api.mailchimp.com');
    expect(mailchimpBaseUrl(settings({ MAILCHIMP_API_KEY: 'abc-us7' }))).toBe('https://us7.api.mailchimp.com');
    expect(mailchimpBaseUrl(settings({ MAILCHIMP_API_KEY: 'abc', MAILCHIMP_BASE_URL: 'http://127.0.0.1:9/' }))).toBe('http://127.0.0.1:9');
    expect(mailchimpBaseUrl(settings({ MAILCHIMP_API_KEY: 'abc' }))).toBeUndefined();
  });
});

describe('SafeSender', () => {
  it('reads a tenant response only up to the cap', async () => {
    tenant.script('POST /big', { status: 200, body: 'z'.repeat(200_000) });
    const sender = new SafeSender({ allowHttp: true, allowlist: [`127.0.0.1:${tenant.port}`], connectTimeoutMs: 1000, timeoutMs: 2000, maxResponseBytes: 1024, maxRedirects: 0 });
    try {
      const res = await sender.post({ url: `${tenant.url}/big`, headers: { 'content-type': 'application/json' }, portableHeaders: [], body: '{}' });
      expect(res.status).toBe(200);
      expect(res.truncated).toBe(true);
      expect(res.body).toHaveLength(1024);
      // Redirects off: a 307 is not followed.
      tenant.script('POST /moved', { status: 307, headers: { location: '/big' } });
      await expect(sender.post({ url: `${tenant.url}/moved`, headers: {}, portableHeaders: [], body: '{}' })).rejects.toMatchObject({ code: 'WEBHOOK_REDIRECT_REFUSED', message: 'the endpoint redirected more than 0 times (redirects are off)' });
    } finally {
      await sender.close();
    }
  });

  it('drops tenant headers on a redirect to another origin, keeps ours', async () => {
    const other = await new FakeTenantEndpoint().start();
    const sender = new SafeSender({ allowHttp: true, allowlist: [`127.0.0.1:${tenant.port}`, `127.0.0.1:${other.port}`], connectTimeoutMs: 1000, timeoutMs: 2000, maxResponseBytes: 1024, maxRedirects: 2 });
    try {
      tenant.script('POST /away', { status: 308, headers: { location: `${other.url}/landing` } });
      const res = await sender.post({ url: `${tenant.url}/away`, headers: { authorization: 'Bearer t', 'x-fable-event-id': 'evt_1', 'content-type': 'application/json' }, portableHeaders: ['x-fable-event-id', 'content-type'], body: '{"a":1}' });
      expect(res).toMatchObject({ status: 200, redirects: 1, finalUrl: `${other.url}/landing` });
      const [landed] = other.received('POST /landing');
      expect(landed?.headers['x-fable-event-id']).toBe('evt_1');
      expect(landed?.headers['authorization']).toBeUndefined();
      expect(landed?.body).toBe('{"a":1}');
    } finally {
      await sender.close();
      await other.stop();
    }
  });
});
