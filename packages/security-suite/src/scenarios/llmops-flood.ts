// A flood against /v1/f/llmops (and aud/gen) on two replicas sharing Redis; fake Anthropic and OpenAI count the model calls.
import { randomUUID } from 'node:crypto';
import { buildApp } from '@fable-jobs/api';
import { migrateWithRetry } from '@fable-jobs/db';
import { Health } from '@fable-jobs/runtime';
import { testConfig } from '@fable-jobs/testing';
import { startApiStack, startLlmFakes } from '../lib/api-stack.ts';
import { Http } from '../lib/http.ts';
import { runScenario, type ScenarioResult } from '../lib/result.ts';

const LIMIT = 5;
const FLOOD = 60;

export async function llmopsFlood(): Promise<ScenarioResult> {
  return runScenario('llmops-flood', 120_000, async (t, defer) => {
    await migrateWithRetry(testConfig().config, { createDatabases: true });
    const fakes = await startLlmFakes();
    defer.add('fakes', () => fakes.stop());
    const api = await startApiStack({
      fakes,
      worker: true,
      env: { API_USER_RATE_LIMIT_MAX: String(LIMIT), API_USER_RATE_LIMIT_WINDOW_MS: '120000', LLM_ROUTE_WAIT_MS: '20000', LLM_REQUESTS_PER_MINUTE: '100000', LLM_TOKENS_PER_MINUTE: '100000000' },
    });
    defer.add('api', () => api.close());
    // A second replica on the same Redis: the limit must hold across both.
    const replica = await buildApp({ config: api.h.config, log: api.h.log, metrics: api.h.metrics, health: new Health(), queues: api.queues, mysql: api.h.mysql, s3: fakes.s3 });
    await replica.listen({ host: '127.0.0.1', port: 0 });
    defer.add('replica', () => replica.close());
    const address = replica.server.address();
    const http2 = new Http(`http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`, { connections: 64 });
    defer.add('replica client', () => http2.close());
    const http1 = new Http(api.url, { connections: 64 });
    defer.add('client', () => http1.close());

    const sub = `auth0|flood-${randomUUID()}`;
    const body = (i: number) => JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: `flood-${i}`, user_payload: { req: `request ${i}` } });
    const callsBefore = fakes.anthropic.calls.length;
    // Every request is the same user; each varies what a naive limiter might key on.
    const variants = (i: number): { http: Http; path: string; headers: Record<string, string> } => {
      const headers: Record<string, string> = { 'content-type': 'application/json', authorization: api.auth(sub, { iat: Math.floor(Date.now() / 1000) - (i % 50) }) };
      if (i % 6 === 1) headers['x-forwarded-for'] = `10.0.${i}.${i}`;
      if (i % 6 === 2) headers['x-real-ip'] = `192.168.1.${i}`;
      if (i % 6 === 3) headers['authorization'] = (headers['authorization'] ?? '').replace('Bearer 7:', `Bearer org${i}:`);
      if (i % 6 === 4) headers['prefer'] = 'respond-async';
      if (i % 6 === 5) headers['authorization'] = (headers['authorization'] ?? '').replace('Bearer 7:', 'bearer ');
      return { http: i % 2 ? http2 : http1, path: i % 7 === 6 ? '/v1/f/llmops?x=1' : '/v1/f/llmops', headers };
    };
    const answers = await Promise.all(Array.from({ length: FLOOD }, (_, i) => {
      const v = variants(i);
      return v.http.request({ method: 'POST', path: v.path, headers: v.headers, body: body(i), timeoutMs: 60_000 });
    }));
    const ok = answers.filter((a) => a.status >= 200 && a.status < 300).length;
    const limited = answers.filter((a) => a.status === 429).length;
    let allowed = LIMIT;
    for (const [i, a] of answers.entries()) {
      const success = a.status >= 200 && a.status < 300;
      // The first LIMIT successes are the allowance; any success after it got through.
      const through = success && --allowed < 0;
      t.attempt(`flood request ${i}`, through, `answered ${a.status}`);
    }
    // Other paths to the same model and routes that share the limit.
    const sidePaths: Array<[string, string, string]> = [
      ['trailing slash', 'POST', '/v1/f/llmops/'],
      ['upper case', 'POST', '/V1/F/LLMOPS'],
      ['double slash', 'POST', '/v1/f//llmops'],
      ['dot segment', 'POST', '/v1/f/./llmops'],
      ['Slack mount', 'POST', '/v1/f/slack/../llmops'],
    ];
    for (const [name, method, path] of sidePaths) {
      const a = await http1.request({ method, path, headers: { 'content-type': 'application/json', authorization: api.auth(sub) }, body: body(999) });
      t.attempt(`${name} ${path}`, a.status >= 200 && a.status < 300, `answered ${a.status}`);
    }
    const speechCalls = fakes.openai.calls.length;
    for (let i = 0; i < 5; i++) {
      const a = await http1.request({ method: 'POST', path: '/v1/f/aud/gen', headers: { 'content-type': 'application/json', authorization: api.auth(sub) }, body: JSON.stringify({ reason: 'vo', indexUri: 'idx/demo.json', voice: 'alloy', entityUri: 's1/r1', entityType: 'q_ann', vars: {} }) });
      t.attempt(`aud/gen after the limit (${i})`, a.status !== 429, `answered ${a.status}`);
    }
    t.observe('OpenAI speech calls after the limit', fakes.openai.calls.length > speechCalls, `${fakes.openai.calls.length - speechCalls} calls`);

    // Let async runs finish before counting model calls (a 202 still costs a call).
    const q = api.queues.get('llm.run');
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await q.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized')) > 0) await new Promise((r) => setTimeout(r, 100));
    const calls = fakes.anthropic.calls.length - callsBefore;
    const runs = Number((await api.h.mysql('llm_runs').where('user_sub', sub).count({ n: '*' }))[0]?.n ?? 0);
    t.observe('model calls beyond the limit', calls > LIMIT, `${calls} Anthropic calls for a limit of ${LIMIT}`);
    t.observe('llm runs recorded beyond the limit', runs > LIMIT, `${runs} llm_runs rows`);

    t.control(`the limit's worth of requests succeeded (${LIMIT})`, ok === LIMIT, `${ok} succeeded, ${limited} got 429`);
    t.control('the rest were answered 429', limited === FLOOD - LIMIT, `${limited}`);
    const body429 = answers.find((a) => a.status === 429);
    t.control('a 429 carries the ApiResp envelope and a retry time', /RATE_LIMITED/.test(body429?.text ?? '') && body429?.headers['retry-after'] !== undefined, body429?.text.slice(0, 120));
    t.control(`the model was called for the allowed requests (${LIMIT})`, calls === LIMIT, `${calls}`);
    // Phase 2: many users, each under their own limit, against the pool-wide model budget.
    const budget = await globalBudget(fakes);
    defer.add('budget api', () => budget.close());
    t.observe('model calls beyond the pool-wide budget (LLM_REQUESTS_PER_MINUTE=60, burst 5 s)', budget.excess > 0, budget.detail);
    t.control('the pool-wide budget let its burst through', budget.calls >= 5, budget.detail);
    const other = await http1.request({ method: 'POST', path: '/v1/f/llmops', headers: { 'content-type': 'application/json', authorization: api.auth(`auth0|other-${randomUUID()}`) }, body: body(1000) });
    t.control('another user is not limited by the flood', other.status === 200, `answered ${other.status}`);
    return `Per user: ${FLOOD} concurrent llmops requests from one user (fresh tokens, X-Forwarded-For/X-Real-IP, other org prefixes, lower-case scheme, respond-async, query strings) across two replicas sharing Redis with a limit of ${LIMIT}, ${sidePaths.length} alternative paths, 5 aud/gen after the limit: ${ok} succeeded, ${limited} got 429, ${calls} model calls. Pool-wide: ${budget.detail}`;
  });
}

/** 30 users at once, one request each (all within their own limit): model calls must follow the pool's token bucket. */
async function globalBudget(fakes: Awaited<ReturnType<typeof startLlmFakes>>): Promise<{ calls: number; excess: number; detail: string; close(): Promise<void> }> {
  const rpm = 60;
  const burstSeconds = 5;
  const cap = (rpm * burstSeconds) / 60;
  const api = await startApiStack({ fakes, worker: true, env: { API_USER_RATE_LIMIT_MAX: '5', LLM_REQUESTS_PER_MINUTE: String(rpm), LLM_RATE_BURST_SECONDS: String(burstSeconds), LLM_TOKENS_PER_MINUTE: '100000000', LLM_ROUTE_WAIT_MS: '200' } });
  try {
    const before = fakes.anthropic.calls.length;
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        api.http.request({
          method: 'POST',
          path: '/v1/f/llmops',
          headers: { 'content-type': 'application/json', authorization: api.auth(`auth0|crowd-${i}-${randomUUID()}`), prefer: 'respond-async' },
          body: JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: `crowd-${i}`, user_payload: { req: 'x' } }),
        }),
      ),
    );
    await new Promise((r) => setTimeout(r, 4000));
    const calls = fakes.anthropic.calls.slice(before).map((c) => c.at).sort((a, b) => a - b);
    // Bucket: at most cap at once, then rpm/60 per second (one call of slack for timing).
    let excess = 0;
    calls.forEach((at, k) => {
      const allowed = cap + ((at - t0) / 1000) * (rpm / 60) + 1;
      if (k + 1 > allowed) excess = Math.max(excess, Math.ceil(k + 1 - allowed));
    });
    const spanS = calls.length ? ((calls.at(-1) ?? t0) - t0) / 1000 : 0;
    return { calls: calls.length, excess, detail: `30 users at once → ${calls.length} model calls in ${spanS.toFixed(1)} s (bucket ${cap}, ${rpm / 60}/s)`, close: () => api.close() };
  } catch (err) {
    await api.close();
    throw err;
  }
}
