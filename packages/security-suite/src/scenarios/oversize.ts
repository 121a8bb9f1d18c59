// Oversized bodies, headers and SQS messages against the real API and bridge, and an oversized tenant response.
import { randomUUID } from 'node:crypto';
import { jobIdFor } from '@fable-jobs/contracts';
import { migrateWithRetry } from '@fable-jobs/db';
import { slackSignature, testConfig } from '@fable-jobs/testing';
import { startApiStack, startLlmFakes } from '../lib/api-stack.ts';
import { ConnectSpy } from '../lib/connect-spy.ts';
import { startFleetStack } from '../lib/fleet-stack.ts';
import { basic } from '../lib/http.ts';
import { rawExchange } from '../lib/raw-http.ts';
import { runScenario, tag, waitUntil, type ScenarioResult } from '../lib/result.ts';

const BODY_LIMIT = 65_536;
const MESSAGE_LIMIT = 16_384;
const SLACK_LIMIT = 1024 * 1024;

export async function oversize(): Promise<ScenarioResult> {
  return runScenario('oversize', 150_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const run = tag();
    const fakes = await startLlmFakes();
    defer.add('fakes', () => fakes.stop());
    const api = await startApiStack({ fakes, worker: true, env: { API_BODY_LIMIT_BYTES: String(BODY_LIMIT), API_USER_RATE_LIMIT_MAX: '10000', LLM_ROUTE_WAIT_MS: '5000', SLACK_ALLOWED_USER_IDS: 'U0SEC' } });
    defer.add('api', () => api.close());
    const port = Number(new URL(api.url).port);
    const attacker = `auth0|big-${randomUUID()}`;
    const auth = api.auth(attacker);
    const runsOf = async (sub: string) => Number((await api.h.mysql('llm_runs').where('user_sub', sub).count({ n: '*' }))[0]?.n ?? 0);
    const llmBody = (userPayload: Record<string, unknown>) => JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: `big-${run}`, user_payload: userPayload });
    const padTo = (bytes: number) => llmBody({ req: 'x', padding: 'p'.repeat(Math.max(0, bytes - llmBody({ req: 'x', padding: '' }).length)) });
    const post = (path: string, body: string, headers: Record<string, string> = {}) => api.http.request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body });
    const ok = (s: number) => s >= 200 && s < 300;

    // Bodies over API_BODY_LIMIT_BYTES (authenticated: the strongest caller).
    for (const size of [BODY_LIMIT + 1, 1024 * 1024, 10 * 1024 * 1024]) {
      const res = await post('/v1/f/llmops', padTo(size), { authorization: auth, prefer: 'respond-async' });
      t.attempt(`llmops body of ${size} bytes (Content-Length)`, ok(res.status), `answered ${res.status}`);
    }
    const head = (path: string, extra: string) => `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/json\r\nPrefer: respond-async\r\n${extra}\r\n`;
    const chunked = await rawExchange(port, head('/v1/f/llmops', 'Transfer-Encoding: chunked\r\n'), { bodyBytes: 50 * 1024 * 1024, chunked: true, fill: ' ' });
    t.attempt('llmops body streamed chunked without a length (50 MiB offered)', ok(chunked.status) || chunked.sentBodyBytes >= 50 * 1024 * 1024, `answered ${chunked.status} after the server took ${chunked.sentBodyBytes} bytes, ${chunked.ms} ms`);
    const lying = await rawExchange(port, head('/v1/f/llmops', 'Content-Length: 100\r\n'), { bodyBytes: 2 * 1024 * 1024, fill: ' ' });
    t.attempt('Content-Length 100 followed by 2 MiB', ok(lying.status), `answered ${lying.status}`);
    const hugeLength = await rawExchange(port, head('/v1/f/llmops', `Content-Length: ${2 ** 53}\r\n`), { bodyBytes: 1024 * 1024, fill: ' ' });
    t.attempt('Content-Length 2^53', ok(hugeLength.status), `answered ${hugeLength.status} after ${hugeLength.sentBodyBytes} bytes`);
    const bothLengths = await rawExchange(port, head('/v1/f/llmops', 'Content-Length: 10\r\nTransfer-Encoding: chunked\r\n'), { bodyBytes: 256 * 1024, chunked: true, fill: ' ' });
    t.attempt('Content-Length together with chunked (smuggling shape)', ok(bothLengths.status), `answered ${bothLengths.status}`);

    // Fields over their schema limits, inside the body limit.
    const overField = await post('/v1/f/llmops', llmBody({ req: 'r'.repeat(20_001) }), { authorization: auth, prefer: 'respond-async' });
    t.attempt('user_payload.req of 20 001 characters (limit 20 000)', ok(overField.status), `answered ${overField.status}`);
    const refs = (n: number) => Array.from({ length: n }, (_, i) => ({ id: `r${i}`, url: `/img/${i}.png` }));
    for (const n of [51, 101]) {
      const res = await post('/v1/f/llmops', JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: `big-${run}`, user_payload: { req: 'x', refsForMMV: refs(n) } }), { authorization: auth, prefer: 'respond-async' });
      t.attempt(`${n} screen images (limit 50)`, ok(res.status), `answered ${res.status}`);
    }
    const longThread = await post('/v1/f/llmops', JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: 't'.repeat(129), user_payload: { req: 'x' } }), { authorization: auth, prefer: 'respond-async' });
    t.attempt('thread of 129 characters (limit 128)', ok(longThread.status), `answered ${longThread.status}`);

    // Headers.
    const bigAuth = await api.http.request({ path: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization: `Bearer ${'a'.repeat(100_000)}` } });
    t.attempt('a 100 KB Authorization header', ok(bigAuth.status), `answered ${bigAuth.status}`);
    const manyHeaders = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`x-h${i}`, 'v']));
    const many = await api.http.request({ path: '/health', headers: manyHeaders });
    t.attempt('3000 request headers', ok(many.status), `answered ${many.status}`);

    // Other routes with their own parsers: Slack (1 MiB, signed), the admin API and Bull Board (as an admin).
    const slackBody = JSON.stringify({ type: 'url_verification', challenge: 'c'.repeat(SLACK_LIMIT) });
    const slack = await post('/v1/slack/url_verification', slackBody, slackSignature(api.slackSecret, slackBody));
    t.attempt(`a signed Slack event of ${slackBody.length} bytes (limit 1 MiB)`, ok(slack.status), `answered ${slack.status}`);
    const admin = { authorization: basic(api.admin.user, api.admin.password) };
    const replay = await post('/admin/api/jobs/system.noop/x/replay', JSON.stringify({ reason: 'r', data: { note: 'n'.repeat(BODY_LIMIT) } }), admin);
    t.attempt('admin API replay with a body over the limit (as an admin)', ok(replay.status), `answered ${replay.status}`);
    const addJob = await post('/admin/queues/api/queues/system.noop/add', JSON.stringify({ name: 'system.noop', data: { note: 'n'.repeat(2 * BODY_LIMIT) } }), admin);
    const added = await api.queues.get('system.noop').getJobCounts();
    t.attempt('Bull Board add-job with a body over the limit (as an admin)', ok(addJob.status) || Object.values(added).some((n) => n > 0), `answered ${addJob.status}`);

    // Deep nesting inside the limit must not take the API down.
    const deep = `{"v":2,"type":"root_router_req","model":"","thread":"deep","user_payload":{"req":"x","deep":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`;
    const deepRes = await post('/v1/f/llmops', deep, { authorization: auth, prefer: 'respond-async' });
    const health = await api.http.request({ path: '/health', timeoutMs: 3000 });
    t.attempt(`JSON nested 30 000 deep (${deep.length} bytes)`, health.status !== 200, `answered ${deepRes.status}; /health then answered ${health.status}`);

    t.attempt('llm runs created for the oversized requests', (await runsOf(attacker)) > (ok(deepRes.status) ? 1 : 0), `${await runsOf(attacker)} runs`);

    // Controls: just under each limit works.
    const controlSub = `auth0|ctl-${randomUUID()}`;
    const under = await post('/v1/f/llmops', llmBody({ req: 'r'.repeat(19_000), product_details: 'p'.repeat(19_000), info_retrieval: 'i'.repeat(19_000) }), { authorization: api.auth(controlSub) });
    t.control(`an llmops body of ~57 KB (under ${BODY_LIMIT}) runs to completion`, under.status === 200 && (await runsOf(controlSub)) === 1, `answered ${under.status}`);
    const slackOk = JSON.stringify({ type: 'url_verification', challenge: 'c'.repeat(SLACK_LIMIT - 100) });
    const slackRes = await post('/v1/slack/url_verification', slackOk, slackSignature(api.slackSecret, slackOk));
    t.control('a signed Slack event just under 1 MiB is answered', slackRes.status === 200, `answered ${slackRes.status}`);

    // SQS messages over BRIDGE_MAX_MESSAGE_BYTES: dead-lettered, never a job, never a Slack post.
    const spy = new ConnectSpy();
    const fleet = await startFleetStack({ pools: ['integrations'], env: { BRIDGE_MAX_MESSAGE_BYTES: String(MESSAGE_LIMIT), WEBHOOK_MAX_RESPONSE_BYTES: '65536' } });
    defer.add('fleet', () => fleet.close());
    spy.install();
    defer.add('connect spy', () => spy.restore());
    const ebook = (fields: Record<string, string>): Record<string, string> => ({ eventName: 'EBOOK_DOWNLOAD', payload_email: `big-${run}@example.com`, ...fields });
    const messages: Array<[string, { body: string; attributes?: Record<string, string> }]> = [
      ['one attribute 17 KB (ASCII)', { body: 'NF', attributes: ebook({ payload_notes: `m1-${run}-${'n'.repeat(17_000)}` }) }],
      ['6 000 euro signs (18 000 bytes, 6 000 characters)', { body: 'NF', attributes: ebook({ payload_notes: `m2-${run}-${'€'.repeat(6000)}` }) }],
      ['eight 2 KB attributes', { body: 'NF', attributes: ebook(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`payload_f${i}`, `m3-${run}-${'f'.repeat(2048)}`]))) }],
      ['attribute names pushing it over (values alone under)', { body: 'NF', attributes: ebook(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`payload_${String(i).padStart(240, 'n')}`, `m4-${run}-${'v'.repeat(1800)}`]))) }],
      ['JSON body of 17 KB', { body: JSON.stringify({ type: 'NF', data: ebook({ payload_notes: `m5-${run}-${'j'.repeat(17_000)}` }) }) }],
    ];
    const ids: string[] = [];
    for (const [, m] of messages) ids.push(...(await fleet.sendRaw([m])));
    // Exactly at the limit, spread over five fields (each within the Slack job's 4096-character field limit).
    const atLimit = { body: 'NF', attributes: ebook({ payload_c0: `ctl-${run}-`, payload_c1: '', payload_c2: '', payload_c3: '', payload_c4: '' }) };
    const size = (m: { body: string; attributes?: Record<string, string> }) => Buffer.byteLength(m.body) + Object.entries(m.attributes ?? {}).reduce((n, [k, v]) => n + Buffer.byteLength(k) + Buffer.byteLength(v) + 'String'.length, 0);
    const room = MESSAGE_LIMIT - size(atLimit);
    for (let i = 0; i < 5; i++) atLimit.attributes[`payload_c${i}`] += 'c'.repeat(Math.floor(room / 5) + (i < room % 5 ? 1 : 0));
    await fleet.sendRaw([atLimit]);
    // The oversized tenant response: 5 MB from an allowed endpoint.
    fleet.fakes.zapier.script('POST /hooks/catch/9/big/', { status: 200, headers: { 'content-type': 'text/plain' }, body: 'r'.repeat(5 * 1024 * 1024) });
    fleet.fakes.mainApi.integrations.set('88001', { org: { id: 5 }, platformIntegration: { type: 'Zapier' }, tenantIntegration: { id: 88001, tenantConfig: { hookUrl: `${fleet.fakes.zapier.url}/hooks/catch/9/big/` } } });
    fleet.fakes.mainApi.demos.set('9001', { id: 9001, rid: 'rid-9001', displayName: 'Tour' });
    await fleet.send('NF', 'legacy', { eventName: 'RUN_INTEGRATION', payload_event: 'CREATE_OR_UPDATE_CONTACT', payload_integrationId: '88001', payload_eventPayload: JSON.stringify({ email: 'r@example.com', ti: 9001 }) });
    t.control('the fleet finished every job', await fleet.idle(60_000));
    await waitUntil(async () => (await fleet.sqs.depth(fleet.dlqUrl)).visible >= messages.length, 10_000);

    const posted = fleet.fakes.slack.messages();
    const slackQueue = fleet.queues.get('integrations.slack-notify');
    for (const [i, [name]] of messages.entries()) {
      const mark = `m${i + 1}-${run}`;
      const job = await slackQueue.getJob(jobIdFor(ids[i] ?? ''));
      const reached = posted.filter((p) => p.body.includes(mark)).length;
      t.attempt(`SQS message over ${MESSAGE_LIMIT} bytes: ${name}`, reached > 0 || !!job, `${reached} Slack posts`);
    }
    const dead = await fleet.sqs.drain(fleet.dlqUrl);
    if (process.env['SECURITY_DEBUG']) for (const m of dead) process.stderr.write(`dead: ${m.MessageAttributes?.['fable_dlq']?.StringValue ?? m.MessageAttributes?.['fable_dlq_wrapped']?.StringValue}\n`);
    const oversize = dead.filter((m) => String(m.MessageAttributes?.['fable_dlq']?.StringValue ?? m.MessageAttributes?.['fable_dlq_wrapped']?.StringValue ?? '').includes('BRIDGE_OVERSIZE'));
    t.control(`every oversized message was dead-lettered as BRIDGE_OVERSIZE (${oversize.length}/${messages.length})`, oversize.length === messages.length);
    t.control(`a message of exactly ${MESSAGE_LIMIT} bytes is delivered to Slack`, posted.some((p) => p.body.includes(`ctl-${run}-`)), `${size(atLimit)} bytes; ${posted.length} posts`);
    const read = spy.to({ ports: new Set([fleet.fakes.zapier.port]) }).reduce((n, a) => n + a.socket.bytesRead, 0);
    t.attempt('a 5 MB tenant response read past WEBHOOK_MAX_RESPONSE_BYTES (64 KiB)', read > 65_536 + 512 * 1024, `${read} bytes read from the endpoint`);
    t.control('the oversized tenant response was requested (the endpoint answered)', fleet.fakes.zapier.received('POST /hooks/catch/9/big/').length === 1);
    const healthEnd = await api.http.request({ path: '/health' });
    t.control('the API still answers /health', healthEnd.status === 200);
    return `HTTP: ${3} bodies over API_BODY_LIMIT_BYTES=${BODY_LIMIT} plus chunked, lying and doubled length framing, schema limits, huge headers, Slack's 1 MiB parser, admin routes (as admin), 30 000-deep JSON; SQS: ${messages.length} messages over BRIDGE_MAX_MESSAGE_BYTES=${MESSAGE_LIMIT} (bytes, not characters; names count); a 5 MB tenant response`;
  });
}
