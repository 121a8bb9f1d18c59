import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolInputProblems, type LlmToolName } from '@fable-jobs/contracts';
import { accountOrder, LlmRunsRepo } from '@fable-jobs/llm';
import { sampleFromSchema, waitForJob, type MessagesRequestBody } from '@fable-jobs/testing';
import { ANTHROPIC_KEYS, PNG, put, startApi, startExternals, type ApiFixture, type Externals } from './llm-fixture.ts';

let ext: Externals;
let api: ApiFixture;

/** Answers like a model would: guides reference the screen ids the request showed. */
function respond(body: MessagesRequestBody, tool: string, schema: Record<string, unknown>): unknown {
  const first = body.messages[0]?.content;
  const text = (b: Record<string, unknown>) => (b['type'] === 'text' && typeof b['text'] === 'string' ? b['text'] : '');
  const ids = Array.isArray(first) ? first.flatMap((b) => (text(b).startsWith('Screen id: ') ? [Number(text(b).slice(11).split('\n')[0])] : [])) : [];
  if (tool === 'create_guides_marketing') return { items: ids.map((screenId) => ({ text: `Screen ${screenId} closes deals faster`, elementColor: '#aa3300', screenId, skip: false })) };
  if (tool === 'create_guides_sbs') return { items: ids.map((screenId, i) => ({ text: `Step ${i + 1}: click Save`, screenId, guideType: i === 0 ? 'cover' : 'element', skip: false })) };
  return sampleFromSchema(schema);
}

const screens = (n: number) => Array.from({ length: n }, (_, i) => ({ id: i + 1, url: `/org-7/screens/${i + 1}.png`, moreInfo: `screen ${i + 1}` }));
const demoState = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => ({ id: `ann-${i}`, text: `<p>Guide ${i}</p>` })));

beforeAll(async () => {
  ext = await startExternals();
  ext.anthropic.respondWith(respond);
  for (let i = 1; i <= 6; i++) await put(ext, ext.privateBucket, `org-7/screens/${i}.png`, PNG, 'image/png');
  api = await startApi(ext);
});

afterAll(async () => {
  await api?.close();
  await ext?.stop();
});

function llmops(fixture: ApiFixture, body: Record<string, unknown>, opts: { auth?: string; headers?: Record<string, string> } = {}) {
  return fixture.app.inject({ method: 'POST', url: '/v1/f/llmops', headers: { authorization: opts.auth ?? fixture.auth(), ...opts.headers }, payload: { v: 2, model: 'claude-whatever', thread: `thread-${Math.random()}`, ...body } });
}

/** Scripts apply only to requests carrying this test's marker (the fake is shared). */
const marked = (marker: string) => (b: { messages: unknown[] }) => JSON.stringify(b.messages).includes(marker);
const KEYS = ['sk-ant-alpha-0001', 'sk-ant-beta-0002'];

const mainApiCalls = (path: string, authorization: string) => ext.mainApi.calls(path).filter((c) => c.headers.authorization === authorization);

describe('POST /v1/f/llmops — every operation end to end', () => {
  const cases: Array<[string, string, Record<string, unknown>, LlmToolName, number]> = [
    ['router', 'create_demo_router', { product_details: 'Invoicing for plumbers', req: 'a demo for prospects' }, 'create_guides_router', 1],
    ['marketing guides', 'create_demo_per_usecase', { usecase: 'marketing', refsForMMV: screens(2) }, 'create_guides_marketing', 2],
    ['step-by-step guides', 'create_demo_per_usecase', { usecase: 'step-by-step-guide', refsForMMV: screens(3), req: 'export a report' }, 'create_guides_sbs', 3],
    ['product guides', 'create_demo_per_usecase', { usecase: 'product', refsForMMV: screens(1) }, 'create_guides_sbs', 1],
    ['theme', 'theme_suggestion_for_guides', { theme_objective: 'match our navy brand', existing_palette: { primary: '#001f3f' } }, 'suggest_guide_theme', 1],
    ['post-processing', 'post_process_demo', { demo_state: demoState(12) }, 'post-process-demo', 1],
    ['metadata', 'demo_metadata', { refsForMMV: screens(6), product_details: 'x' }, 'demo-metadata', 2],
    ['content update (many)', 'update_demo_content', { demo_state: demoState(5), requested_change: 'make it friendlier' }, 'update-demo-content', 3],
    ['content update (single)', 'update_demo_content', { demo_state: demoState(5), change_type: 'single-annotation', requested_change: 'shorter' }, 'update-demo-content', 1],
    ['root router', 'root_router_req', { req: 'change the colours' }, 'root-router', 1],
  ];

  it.each(cases)('%s (%s) answers the forced tool call and deducts its credits after success', async (_label, type, payload, tool, credits) => {
    const sub = `auth0|op-${type}-${Math.random()}`;
    const auth = api.auth({ sub, orgId: '42' });
    const before = ext.anthropic.calls.length;
    const res = await llmops(api, { type, user_payload: payload }, { auth });
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json() as { status: string; data: { err: null; data: { role: string; content: Array<{ type: string; name: string; input: unknown }> } } };
    expect(body.status).toBe('Success');
    expect(body.data.err).toBeNull();
    expect(body.data.data.role).toBe('assistant');
    const use = body.data.data.content.find((b) => b.type === 'tool_use');
    expect(use?.name).toBe(tool);
    expect(toolInputProblems(tool, use?.input)).toBeUndefined();

    // Exactly one model call for this run, forcing this operation's tool.
    const call = ext.anthropic.calls.slice(before).find((c) => (c.json as { tool_choice?: { name?: string } }).tool_choice?.name === tool);
    expect((call?.json as { tools: unknown[] }).tools).toHaveLength(1);

    await api.app.backgroundTasks.idle();
    expect(mainApiCalls('/v1/f/llmrun', auth)).toHaveLength(1);
    expect(mainApiCalls('/v1/f/llmrun', auth)[0]?.json).toMatchObject({ type, model: api.h.config.llm.model });
    expect(mainApiCalls('/v1/f/updatellmrun', auth)[0]?.json).toMatchObject({ status: 'succeeded' });
    const deducted = mainApiCalls('/v1/f/deductcredit', auth);
    expect(deducted.map((c) => c.json)).toEqual([{ deductBy: credits, creditType: 'AI_CREDIT' }]);

    const [row] = await api.h.mysql('llm_runs').where({ user_sub: sub });
    expect(row).toMatchObject({ type, status: 'succeeded', org_id: '42', credits, credits_deducted: 1 });
    expect(row.remote_run_id).toMatch(/^llmrun_/);
  });
});

describe('POST /v1/f/llmops — errors', () => {
  it('answers an unknown type with 404 and errCode 101, running nothing', async () => {
    const sub = `auth0|unknown-${Math.random()}`;
    const before = ext.anthropic.calls.length;
    const res = await llmops(api, { type: 'write_a_poem', user_payload: {} }, { auth: api.auth({ sub }) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'unknown llmops type "write_a_poem"', errCode: 101 } });
    expect(await api.h.mysql('llm_runs').where({ user_sub: sub })).toHaveLength(0);
    expect(ext.anthropic.calls.length).toBe(before);
  });

  it('refuses malformed bodies and payloads an operation cannot run with 400', async () => {
    const bad = await llmops(api, { type: 'root_router_req', user_payload: { refsForMMV: [{ id: 1, url: '../../etc/passwd' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().data.errCode).toBe('FST_ERR_VALIDATION');
    const noImages = await llmops(api, { type: 'create_demo_per_usecase', user_payload: { usecase: 'marketing' } });
    expect(noImages.statusCode).toBe(400);
    expect(noImages.json()).toEqual({ status: 'Failure', data: { err: 'create_demo_per_usecase needs at least one screen image (user_payload.refsForMMV)', errCode: 'LLM_BAD_INPUT' } });
    const noState = await llmops(api, { type: 'update_demo_content', user_payload: { demo_state: 'not json' } });
    expect(noState.json().data.errCode).toBe('LLM_BAD_INPUT');
  });

  it('reports a missing screen image as 400 and deducts nothing', async () => {
    const auth = api.auth({ sub: `auth0|missing-${Math.random()}` });
    const res = await llmops(api, { type: 'create_demo_per_usecase', user_payload: { refsForMMV: [{ id: 5, url: '/org-7/screens/nope.png' }] } }, { auth });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'screen 5 (org-7/screens/nope.png) was not found in the private bucket', errCode: 'LLM_BAD_INPUT' } });
    await api.app.backgroundTasks.idle();
    expect(mainApiCalls('/v1/f/deductcredit', auth)).toHaveLength(0);
    expect(mainApiCalls('/v1/f/updatellmrun', auth)[0]?.json).toMatchObject({ status: 'failed', errorCode: 'LLM_BAD_INPUT' });
  });

  it('falls back to the other account when the thread account is overloaded', async () => {
    const thread = `fallback-${Math.random()}`;
    const marker = `marker-${thread}`;
    // The thread's own account answers 529 once; the other one answers.
    const [first] = accountOrder(api.h.config.llm.anthropicAccounts, thread);
    ext.anthropic.scriptWhen(marked(marker), first?.key, { kind: 'overloaded' });
    const res = await llmops(api, { type: 'root_router_req', thread, user_payload: { req: marker } });
    expect(res.statusCode).toBe(200);
    const [run] = await api.h.mysql('llm_runs').where({ thread });
    const attempts = await new LlmRunsRepo(api.h.mysql).attempts(run.id);
    expect(attempts.map((a) => a.outcome)).toEqual(['overloaded', 'ok']);
    expect(attempts.map((a) => a.account)).toEqual([first?.account, first?.account === 'alpha' ? 'beta' : 'alpha']);
    expect(run.account).toBe(attempts[1]?.account);
  });

  it('gives the model one corrective retry, then answers 502 and deducts nothing', async () => {
    const wrong = { primaryColor: 'navy', fontColor: '#ffffff', backgroundColor: '#000000', borderColor: '#111111', borderRadius: 4 };
    const once = `marker-once-${Math.random()}`;
    ext.anthropic.scriptWhen(marked(once), undefined, { kind: 'tool', input: wrong });
    const fixed = await llmops(api, { type: 'theme_suggestion_for_guides', user_payload: { theme_objective: once } });
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().data.data.content[0].input.primaryColor).toMatch(/^#/);

    const twice = `marker-twice-${Math.random()}`;
    const auth = api.auth({ sub: `auth0|invalid-${Math.random()}` });
    ext.anthropic.scriptWhen(marked(twice), undefined, { kind: 'tool', input: wrong }, { kind: 'tool', input: wrong });
    const res = await llmops(api, { type: 'theme_suggestion_for_guides', user_payload: { theme_objective: twice } }, { auth });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'the model answered in an unexpected format, even after a corrective retry', errCode: 'LLM_TOOL_INPUT_INVALID' } });
    await api.app.backgroundTasks.idle();
    expect(mainApiCalls('/v1/f/deductcredit', auth)).toHaveLength(0);
  });

  it('answers a provider outage with a 503 carrying no stack, upstream message or header', async () => {
    // Two job attempts × two accounts.
    const marker = `marker-outage-${Math.random()}`;
    for (const key of KEYS) ext.anthropic.scriptWhen(marked(marker), key, { kind: 'server-error' }, { kind: 'server-error' });
    const res = await llmops(api, { type: 'root_router_req', user_payload: { req: marker } });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({ status: 'Failure', data: { err: 'the model provider is unavailable; try again later', errCode: 'LLM_UPSTREAM_UNAVAILABLE' } });
    expect(res.body).not.toMatch(/at |Internal server error|request-id|req_/);
    expect(res.headers['request-id']).toBeUndefined();
  });
});

describe('POST /v1/f/llmops — async mode', () => {
  it('answers 202 with a job id, reports the result at GET /jobs/:id, and deducts credits once', async () => {
    const sub = `auth0|async-${Math.random()}`;
    const auth = api.auth({ sub });
    const res = await llmops(api, { type: 'demo_metadata', user_payload: { refsForMMV: screens(6) } }, { auth, headers: { prefer: 'respond-async' } });
    expect(res.statusCode).toBe(202);
    expect(res.headers['preference-applied']).toBe('respond-async');
    const { jobId, state } = res.json().data as { jobId: string; state: string };
    expect(state).toBe('queued');
    expect(res.headers.location).toBe(`/v1/f/llmops/jobs/${jobId}`);

    // (The cast bridges two installed copies of the same bullmq version's types.)
    await waitForJob(api.queues.get('llm.run') as unknown as Parameters<typeof waitForJob>[0], jobId, 'completed', { connection: api.h.producer });
    const status = await api.app.inject({ method: 'GET', url: `/v1/f/llmops/jobs/${jobId}`, headers: { authorization: auth } });
    expect(status.statusCode).toBe(200);
    expect(status.json().data).toMatchObject({ jobId, state: 'succeeded', error: null, result: { role: 'assistant', content: [{ type: 'tool_use', name: 'demo-metadata' }] } });
    // A second poll, racing the background settlement: still one deduction.
    await api.app.inject({ method: 'GET', url: `/v1/f/llmops/jobs/${jobId}`, headers: { authorization: auth } });
    await api.app.backgroundTasks.idle();
    expect(mainApiCalls('/v1/f/deductcredit', auth).map((c) => c.json)).toEqual([{ deductBy: 2, creditType: 'AI_CREDIT' }]);

    // Another user's job does not exist for them.
    const other = await api.app.inject({ method: 'GET', url: `/v1/f/llmops/jobs/${jobId}`, headers: { authorization: api.auth({ sub: 'auth0|someone-else' }) } });
    expect(other.statusCode).toBe(404);
  });
});

describe('POST /v1/f/llmops — limits', () => {
  it('limits requests per user (Redis store) with a 429 envelope, other users unaffected, polls exempt', async () => {
    const limited = await startApi(ext, { worker: false, env: { API_USER_RATE_LIMIT_MAX: '2', LLM_ROUTE_WAIT_MS: '100' } });
    try {
      const auth = limited.auth({ sub: 'auth0|busy' });
      const codes = [];
      for (let i = 0; i < 3; i++) codes.push((await llmops(limited, { type: 'nope', user_payload: {} }, { auth })).statusCode);
      expect(codes).toEqual([404, 404, 429]);
      const third = await llmops(limited, { type: 'nope', user_payload: {} }, { auth });
      expect(third.json()).toMatchObject({ status: 'Failure', data: { errCode: 'RATE_LIMITED' } });
      expect(Number(third.headers['retry-after'])).toBeGreaterThan(0);
      expect((await llmops(limited, { type: 'nope', user_payload: {} }, { auth: limited.auth({ sub: 'auth0|calm' }) })).statusCode).toBe(404);
      for (let i = 0; i < 3; i++) {
        expect((await limited.app.inject({ method: 'GET', url: '/v1/f/llmops/jobs/00000000-0000-0000-0000-000000000000', headers: { authorization: auth } })).statusCode).toBe(404);
      }
      // The counter lives in Redis (shared by every replica), under this deployment's prefix.
      expect(await limited.h.producer.keys(`${limited.h.prefix}:api-rate:*`)).not.toHaveLength(0);
    } finally {
      await limited.close();
    }
  });

  it('queues a burst beyond the model budget instead of failing it', async () => {
    // 120 requests per minute with one second of burst: two at once, then one every 500 ms.
    const throttled = await startApi(ext, { env: { LLM_REQUESTS_PER_MINUTE: '120', LLM_RATE_BURST_SECONDS: '1', API_USER_RATE_LIMIT_MAX: '100' } });
    try {
      const thread = `burst-${Math.random()}`;
      const before = ext.anthropic.calls.length;
      const results = await Promise.all(Array.from({ length: 6 }, () => llmops(throttled, { type: 'root_router_req', thread, user_payload: { req: 'x' } })));
      expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200, 200]);
      const times = ext.anthropic.calls.slice(before).map((c) => c.at);
      expect(times).toHaveLength(6);
      // Six requests through a 2-request bucket refilling 2/s take at least 2 s.
      expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1500);
    } finally {
      await throttled.close();
    }
  });

  it('answers 504 when no worker answers in time, and drops the job that nobody will read', async () => {
    const idle = await startApi(ext, { worker: false, env: { LLM_ROUTE_WAIT_MS: '300' } });
    try {
      const sub = `auth0|idle-${Math.random()}`;
      const res = await llmops(idle, { type: 'root_router_req', user_payload: { req: 'x' } }, { auth: idle.auth({ sub }) });
      expect(res.statusCode).toBe(504);
      expect(res.json().data.errCode).toBe('LLM_TIMEOUT');
      const [run] = await idle.h.mysql('llm_runs').where({ user_sub: sub });
      expect(run.status).toBe('queued');
      expect(await idle.queues.get('llm.run').getJob(run.id)).toBeUndefined();
    } finally {
      await idle.close();
    }
  });

  it('takes real-sized demo_state payloads and answers 413 beyond the body limit', async () => {
    const big = demoState(20_000); // ~1 MB of annotations
    expect(big.length).toBeGreaterThan(500_000);
    const ok = await llmops(api, { type: 'post_process_demo', user_payload: { demo_state: big } });
    expect(ok.statusCode).toBe(200);
    const small = await startApi(ext, { worker: false, env: { API_BODY_LIMIT_BYTES: '4096' } });
    try {
      const res = await llmops(small, { type: 'post_process_demo', user_payload: { demo_state: demoState(200) } });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ status: 'Failure', data: { errCode: 'FST_ERR_CTP_BODY_TOO_LARGE' } });
    } finally {
      await small.close();
    }
  });
});

describe('HTTP hygiene', () => {
  it('serves the OpenAPI document and UI at /docs for the product routes', async () => {
    const doc = await api.app.inject({ method: 'GET', url: '/docs/json' });
    expect(doc.statusCode).toBe(200);
    const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/f/llmops', '/v1/f/llmops/jobs/{id}', '/v1/f/aud/gen']));
    expect(paths).not.toContain('/health');
    expect((doc.json() as { paths: Record<string, { post?: { requestBody?: unknown } }> }).paths['/v1/f/llmops']?.post?.requestBody).toBeDefined();
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/text\/html/);
  });

  it('allows CORS only from the configured origins', async () => {
    const withCors = await startApi(ext, { worker: false, env: { CORS_ORIGINS: 'https://app.fable.test' } });
    try {
      const preflight = (origin: string) =>
        withCors.app.inject({ method: 'OPTIONS', url: '/v1/f/llmops', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
      const allowed = await preflight('https://app.fable.test');
      expect(allowed.headers['access-control-allow-origin']).toBe('https://app.fable.test');
      expect(String(allowed.headers['access-control-allow-headers'])).toMatch(/authorization/);
      expect((await preflight('https://evil.example')).headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await withCors.close();
    }
  });
});

describe('secrets', () => {
  it('never reach the logs or the job data: keys, the JWT, the Authorization header', async () => {
    const lines: string[] = [];
    const sink = new PassThrough();
    sink.on('data', (b: Buffer) => lines.push(String(b)));
    const logged = await startApi(ext, { logTo: sink });
    try {
      const auth = logged.auth({ orgId: '7' });
      const jwt = auth.slice('Bearer 7:'.length);
      const ok = await llmops(logged, { type: 'create_demo_per_usecase', user_payload: { refsForMMV: screens(1) } }, { auth });
      expect(ok.statusCode).toBe(200);
      const marker = `marker-secrets-${Math.random()}`;
      for (const key of KEYS) ext.anthropic.scriptWhen(marked(marker), key, { kind: 'rate-limited', spendLimit: true });
      expect((await llmops(logged, { type: 'root_router_req', user_payload: { req: marker } }, { auth })).statusCode).toBe(502);
      await logged.app.backgroundTasks.idle();

      const text = lines.join('');
      expect(text).toContain('"msg"');
      for (const secret of [...Object.keys(ANTHROPIC_KEYS), jwt, jwt.split('.')[2] as string]) expect(text).not.toContain(secret);
      // Job data is references only.
      const jobKeys = (await logged.h.producer.keys(`${logged.h.prefix}:llm.run:*`)).filter((k) => /:[0-9a-f-]{36}$/.test(k));
      const dataOf = await Promise.all(jobKeys.map((k) => logged.h.producer.hget(k, 'data')));
      expect(dataOf.length).toBeGreaterThan(0);
      for (const d of dataOf) {
        expect(Object.keys(JSON.parse(d ?? '{}')).sort()).toEqual(['_meta', 'runId', 'type']);
        expect(d).not.toContain(jwt);
      }
      // Failure reasons stored by BullMQ are scrubbed too.
      const reasons = await Promise.all(jobKeys.map((k) => logged.h.producer.hget(k, 'failedReason')));
      for (const r of reasons) for (const secret of Object.keys(ANTHROPIC_KEYS)) expect(r ?? '').not.toContain(secret);
    } finally {
      await logged.close();
    }
  });
});
