import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RateLimitedError } from '@fable-jobs/contracts';
import { startFakeAnthropic, type FakeAnthropic, type Harness } from '@fable-jobs/testing';
import { accountOrder, createLlmProcessors, LlmRunsRepo } from '../src/index.ts';
import { createHarness, JPEG, jobContext, newRun, PNG, startS3, type S3Fixture } from './fixture.ts';

const ACCOUNTS = 'alpha|sk-ant-alpha-0001;beta|sk-ant-beta-0002;gamma|sk-ant-gamma-0003';
const KEYS = { 'sk-ant-alpha-0001': 'alpha', 'sk-ant-beta-0002': 'beta', 'sk-ant-gamma-0003': 'gamma' };
const keyOf = (account: string) => Object.entries(KEYS).find(([, a]) => a === account)?.[0] as string;

let s3: S3Fixture;
let fake: FakeAnthropic;
let h: Harness;
let repo: LlmRunsRepo;
let run: ReturnType<typeof createLlmProcessors>['llm.run'];

function makeProcessors(env: Record<string, string> = {}) {
  return createLlmProcessors({ config: { ...h.config, llm: { ...h.config.llm, ...envOverrides(env) } }, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics, redis: h.producer, s3: s3.s3 })['llm.run'];
}
function envOverrides(env: Record<string, string>) {
  return {
    ...(env['rpm'] ? { requestsPerMinute: Number(env['rpm']) } : {}),
    ...(env['tpm'] ? { tokensPerMinute: Number(env['tpm']) } : {}),
    ...(env['burst'] ? { rateBurstSeconds: Number(env['burst']) } : {}),
  };
}

beforeAll(async () => {
  s3 = await startS3();
  fake = await startFakeAnthropic({ keys: KEYS, minCacheableTokens: 100 });
  // Screen ids are read back from the request, as a model would.
  fake.respondWith((body, tool, schema) => {
    if (tool !== 'create_guides_marketing' && tool !== 'create_guides_sbs') return sampleOf(schema);
    const content = body.messages[0]?.content as Array<{ type: string; text?: string }>;
    const ids = content.flatMap((b) => (b.type === 'text' && b.text?.startsWith('Screen id: ') ? [Number(b.text.slice(11).split('\n')[0])] : []));
    return tool === 'create_guides_marketing'
      ? { items: ids.map((screenId) => ({ text: `Screen ${screenId} saves you time`, elementColor: '#1a2b3c', screenId, skip: false })) }
      : { items: ids.map((screenId) => ({ text: `Click Export on ${screenId}`, screenId, guideType: 'element', skip: false })) };
  });
  await s3.put('org-7/screens/1.png', PNG, 'image/png');
  await s3.put('org-7/screens/2.jpg', JPEG, 'application/octet-stream');
  await s3.put('org-7/screens/evil.svg', Buffer.from('<svg/>'), 'image/png');
});

afterAll(async () => {
  await fake.server.close();
  await s3.stop();
});

beforeEach(async () => {
  h = await createHarness({ env: { ANTHORIPC_KEY: ACCOUNTS, LLM_ANTHROPIC_BASE_URL: fake.url, LLM_PRIVATE_BUCKET: s3.bucket } });
  repo = new LlmRunsRepo(h.mysql);
  run = makeProcessors();
  return () => h.close();
});

function sampleOf(schema: Record<string, unknown>): unknown {
  // The fake's generic answer: enough for operations without screen ids.
  const props = schema['properties'] as Record<string, Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const k of (schema['required'] as string[]) ?? []) {
    const p = props[k] as Record<string, unknown>;
    out[k] = Array.isArray(p['enum']) ? p['enum'][0] : p['type'] === 'string' ? (String(p['pattern'] ?? '').includes('#') ? '#000000' : 'text') : p['type'] === 'integer' ? 0 : p['type'] === 'boolean' ? false : p['type'] === 'array' ? [] : sampleOf(p);
  }
  return out;
}

describe('llm.run', () => {
  it('sends the documented request (x-api-key, anthropic-version, forced tool, cached system prompt, images by id) and records the run', async () => {
    const thread = `t-${Date.now()}`;
    const id = await newRun(repo, 'create_demo_per_usecase', { usecase: 'marketing', product_details: 'A CRM for florists', refsForMMV: [{ id: 1, url: '/org-7/screens/1.png', moreInfo: 'dashboard' }, { id: 2, url: 'org-7/screens/2.jpg' }] }, { thread });
    const before = fake.calls.length;
    const result = (await run({ runId: id, type: 'create_demo_per_usecase' }, jobContext(h))) as { runId: string; message: { content: Array<{ type: string; name?: string; input?: { items: Array<{ screenId: number }> } }> } };

    expect(result.message.content[0]).toMatchObject({ type: 'tool_use', name: 'create_guides_marketing' });
    expect(result.message.content[0]?.input?.items.map((i) => i.screenId)).toEqual([1, 2]);

    const call = fake.calls[before];
    const first = accountOrder([{ account: 'alpha', key: '' }, { account: 'beta', key: '' }, { account: 'gamma', key: '' }], thread)[0]?.account as string;
    expect(call?.headers['x-api-key']).toBe(keyOf(first));
    expect(call?.headers['anthropic-version']).toBe('2023-06-01');
    expect(call?.headers.authorization).toBeUndefined();
    const body = call?.json as { tool_choice: unknown; tools: unknown[]; system: Array<{ cache_control?: unknown; text: string }>; max_tokens: number; messages: Array<{ content: Array<{ type: string; text?: string; source?: { media_type: string; data: string } }> }> };
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'create_guides_marketing', disable_parallel_tool_use: true });
    expect(body.tools).toHaveLength(1);
    expect(body.system[0]?.cache_control).toEqual({ type: 'ephemeral' });
    expect(body.max_tokens).toBe(h.config.llm.maxTokens);
    const blocks = body.messages[0]?.content ?? [];
    const images = blocks.filter((b) => b.type === 'image');
    expect(images.map((b) => b.source?.media_type)).toEqual(['image/png', 'image/jpeg']);
    expect(Buffer.from(images[0]?.source?.data ?? '', 'base64').equals(PNG)).toBe(true);
    expect(blocks.find((b) => b.text?.includes('<product_details>'))?.text).toContain('A CRM for florists');

    const row = await repo.get(id);
    expect(row).toMatchObject({ status: 'succeeded', account: first, attempts: 1, errorCode: null });
    expect(row?.output?.content[0]).toMatchObject({ type: 'tool_use', name: 'create_guides_marketing' });
    expect(row?.usage.input).toBeGreaterThan(0);
    expect(row?.usage.output).toBeGreaterThan(0);
    expect(row?.costUsd).toBeGreaterThan(0);
    // The stored input keeps the S3 references, never image bytes.
    expect(JSON.stringify(row?.input)).not.toContain(PNG.toString('base64'));
    expect(row?.input.refsForMMV?.[0]?.url).toBe('/org-7/screens/1.png');

    const metrics = await h.metrics.registry.getSingleMetricAsString('fable_llm_tokens_total');
    expect(metrics).toMatch(/fable_llm_tokens_total\{operation="create_demo_per_usecase",kind="input"\} [1-9]/);
    expect(await h.metrics.registry.getSingleMetricAsString('fable_llm_cost_usd_total')).toMatch(/operation="create_demo_per_usecase"\} 0\.\d+/);
  });

  it('writes the prompt cache on the first call of a thread and reads it on the next', async () => {
    const thread = `cache-${Date.now()}`;
    const a = await newRun(repo, 'theme_suggestion_for_guides', { theme_objective: 'calm' }, { thread });
    const b = await newRun(repo, 'theme_suggestion_for_guides', { theme_objective: 'bold' }, { thread });
    await run({ runId: a, type: 'theme_suggestion_for_guides' }, jobContext(h));
    await run({ runId: b, type: 'theme_suggestion_for_guides' }, jobContext(h));
    const [ra, rb] = [await repo.get(a), await repo.get(b)];
    expect(ra?.usage.cacheWrite).toBeGreaterThan(0);
    expect(ra?.usage.cacheRead).toBe(0);
    expect(rb?.usage.cacheRead).toBe(ra?.usage.cacheWrite);
    expect(rb?.usage.cacheWrite).toBe(0);
    // Cache reads cost a tenth of plain input: the second run is cheaper.
    expect(Number(rb?.costUsd)).toBeLessThan(Number(ra?.costUsd));
  });

  it('moves to the next account on 529, 5xx and dropped connections, recording every attempt', async () => {
    const thread = `fallback-${Date.now()}`;
    const order = accountOrder([{ account: 'alpha', key: '' }, { account: 'beta', key: '' }, { account: 'gamma', key: '' }], thread).map((a) => a.account);
    fake.script(keyOf(order[0] as string), { kind: 'overloaded' });
    fake.script(keyOf(order[1] as string), { kind: 'drop' });
    const id = await newRun(repo, 'demo_metadata', { product_details: 'x' }, { thread });
    await run({ runId: id, type: 'demo_metadata' }, jobContext(h));
    const attempts = await repo.attempts(id);
    expect(attempts.map((a) => [a.account, a.outcome, a.httpStatus ?? null])).toEqual([
      [order[0], 'overloaded', 529],
      [order[1], 'connection_error', null],
      [order[2], 'ok', 200],
    ]);
    expect(attempts[0]?.errorType).toBe('overloaded_error');
    expect(attempts[0]?.requestId).toMatch(/^req_/);
    expect(await repo.get(id)).toMatchObject({ status: 'succeeded', account: order[2], attempts: 3 });

    // The same thread starts on the same account next time.
    const next = await newRun(repo, 'demo_metadata', { product_details: 'y' }, { thread });
    await run({ runId: next, type: 'demo_metadata' }, jobContext(h));
    expect((await repo.attempts(next)).map((a) => a.account)).toEqual([order[0]]);
  });

  it('pauses for the retry-after when every account is rate limited, and puts the run back in the queue', async () => {
    const thread = `ratelimited-${Date.now()}`;
    for (const key of Object.keys(KEYS)) fake.script(key, { kind: 'rate-limited', retryAfterSeconds: key === 'sk-ant-beta-0002' ? 3 : 7 });
    const id = await newRun(repo, 'root_router_req', { req: 'make it blue' }, { thread });
    const err = (await run({ runId: id, type: 'root_router_req' }, jobContext(h)).catch((e: unknown) => e)) as RateLimitedError;
    expect(err.name).toBe('RateLimitedError');
    expect(err.code).toBe('LLM_UPSTREAM_RATE_LIMITED');
    expect(err.retryAfterMs).toBe(3000);
    expect(await repo.get(id)).toMatchObject({ status: 'queued', attempts: 3 });
    expect((await repo.attempts(id)).every((a) => a.outcome === 'rate_limited' && a.httpStatus === 429)).toBe(true);
  });

  it('fails for good when every key is refused or over its spend limit, and retries when the provider is down', async () => {
    const refused = `refused-${Date.now()}`;
    for (const key of Object.keys(KEYS)) fake.script(key, { kind: 'rate-limited', spendLimit: true });
    const id = await newRun(repo, 'root_router_req', { req: 'x' }, { thread: refused });
    const err = (await run({ runId: id, type: 'root_router_req' }, jobContext(h)).catch((e: unknown) => e)) as Error & { code: string };
    expect([err.name, err.code]).toEqual(['PermanentError', 'LLM_ACCOUNTS_REFUSED']);
    expect(await repo.get(id)).toMatchObject({ status: 'failed', errorCode: 'LLM_ACCOUNTS_REFUSED' });

    for (const key of Object.keys(KEYS)) fake.script(key, { kind: 'server-error' });
    const down = await newRun(repo, 'root_router_req', { req: 'x' });
    const err2 = (await run({ runId: down, type: 'root_router_req' }, jobContext(h, { attempt: 1, maxAttempts: 2 })).catch((e: unknown) => e)) as Error & { code: string };
    expect([err2.name, err2.code]).toEqual(['RetryableError', 'LLM_UPSTREAM_UNAVAILABLE']);
    // Not the last attempt: the run stays open for the retry.
    expect((await repo.get(down))?.status).toBe('running');
  });

  it('gives the model one corrective retry for a schema-invalid tool input, then fails clearly', async () => {
    const thread = `invalid-${Date.now()}`;
    const first = accountOrder([{ account: 'alpha', key: '' }, { account: 'beta', key: '' }, { account: 'gamma', key: '' }], thread)[0]?.account as string;
    fake.script(keyOf(first), { kind: 'tool', input: { primaryColor: 'blue', fontColor: '#ffffff', backgroundColor: '#000000', borderColor: '#111111', borderRadius: 4 } });
    const id = await newRun(repo, 'theme_suggestion_for_guides', { theme_objective: 'x' }, { thread });
    const before = fake.calls.length;
    const ok = (await run({ runId: id, type: 'theme_suggestion_for_guides' }, jobContext(h))) as { message: { content: Array<{ input?: { primaryColor: string } }> } };
    expect(ok.message.content[0]?.input?.primaryColor).toMatch(/^#[0-9a-f]{6}$/i);
    const retry = fake.calls[before + 1]?.json as { messages: Array<{ role: string; content: Array<{ type: string; is_error?: boolean; content?: string; tool_use_id?: string }> }> };
    expect(retry.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(retry.messages[2]?.content[0]).toMatchObject({ type: 'tool_result', is_error: true });
    expect(retry.messages[2]?.content[0]?.content).toContain('/primaryColor');
    expect((await repo.attempts(id)).map((a) => [a.kind, a.outcome])).toEqual([
      ['call', 'invalid_output'],
      ['correction', 'ok'],
    ]);

    fake.script(keyOf(first), { kind: 'tool', input: { wrong: true } }, { kind: 'tool', input: { still: 'wrong' } });
    const bad = await newRun(repo, 'theme_suggestion_for_guides', { theme_objective: 'y' }, { thread });
    const err = (await run({ runId: bad, type: 'theme_suggestion_for_guides' }, jobContext(h)).catch((e: unknown) => e)) as Error & { code: string };
    expect([err.name, err.code]).toEqual(['PermanentError', 'LLM_TOOL_INPUT_INVALID']);
    expect(err.message).toMatch(/suggest_guide_theme input is invalid after one corrective retry: .*primaryColor/);
    expect(await repo.get(bad)).toMatchObject({ status: 'failed', errorCode: 'LLM_TOOL_INPUT_INVALID', attempts: 2 });
  });

  it('refuses missing or non-image screens as bad input without calling the model', async () => {
    const before = fake.calls.length;
    const missing = await newRun(repo, 'create_demo_per_usecase', { refsForMMV: [{ id: 1, url: '/org-7/screens/none.png' }] });
    const err = (await run({ runId: missing, type: 'create_demo_per_usecase' }, jobContext(h)).catch((e: unknown) => e)) as Error & { code: string };
    expect([err.name, err.code]).toEqual(['PermanentError', 'LLM_BAD_INPUT']);
    expect(err.message).toContain('screen 1 (org-7/screens/none.png) was not found');
    const svg = await newRun(repo, 'create_demo_per_usecase', { refsForMMV: [{ id: 9, url: 'org-7/screens/evil.svg' }] });
    const err2 = (await run({ runId: svg, type: 'create_demo_per_usecase' }, jobContext(h)).catch((e: unknown) => e)) as Error & { code: string };
    expect(err2.message).toMatch(/not a PNG, JPEG, GIF or WebP/);
    expect(fake.calls.length).toBe(before);
    expect(await repo.get(svg)).toMatchObject({ status: 'failed', errorCode: 'LLM_BAD_INPUT' });
  });

  it('answers a redelivered job of a finished run from the row, without calling the model again', async () => {
    const id = await newRun(repo, 'post_process_demo', { demo_state: '[]' });
    const first = await run({ runId: id, type: 'post_process_demo' }, jobContext(h));
    const before = fake.calls.length;
    expect(await run({ runId: id, type: 'post_process_demo' }, jobContext(h, { attempt: 2 }))).toEqual(first);
    expect(fake.calls.length).toBe(before);
  });

  it('holds runs back with a wait once the pool-wide request budget is spent, across workers', async () => {
    // Two "workers" (two processor instances) share one budget of 2 requests per minute.
    const w1 = makeProcessors({ rpm: '2', burst: '60' });
    const w2 = makeProcessors({ rpm: '2', burst: '60' });
    const ids = await Promise.all([1, 2, 3].map(() => newRun(repo, 'root_router_req', { req: 'x' })));
    const before = fake.calls.length;
    await w1({ runId: ids[0] as string, type: 'root_router_req' }, jobContext(h));
    await w2({ runId: ids[1] as string, type: 'root_router_req' }, jobContext(h));
    const err = (await w1({ runId: ids[2] as string, type: 'root_router_req' }, jobContext(h)).catch((e: unknown) => e)) as RateLimitedError;
    expect([err.name, err.code]).toEqual(['RateLimitedError', 'LLM_RATE_LIMITED']);
    // One request refills in 30 s at 2/min.
    expect(err.retryAfterMs).toBeGreaterThan(20_000);
    expect(err.retryAfterMs).toBeLessThanOrEqual(30_000);
    expect(fake.calls.length - before).toBe(2);
    expect((await repo.get(ids[2] as string))?.status).toBe('queued');
  });

  it('holds runs back when the token budget cannot cover the reservation, and settles it with real usage', async () => {
    // max_tokens (8192) alone is reserved per call: a 10k-token budget covers one call at a time.
    const w = makeProcessors({ tpm: '10000', rpm: '1000', burst: '60' });
    const [a, b] = await Promise.all([newRun(repo, 'root_router_req', { req: 'x' }), newRun(repo, 'root_router_req', { req: 'y' })]);
    await w({ runId: a, type: 'root_router_req' }, jobContext(h));
    // The first call used far fewer tokens than it reserved: the rest came back, so the second fits.
    await w({ runId: b, type: 'root_router_req' }, jobContext(h));
    const state = await h.producer.hgetall(`${h.prefix}:llm:model-budget`);
    const used = [(await repo.get(a))?.usage, (await repo.get(b))?.usage].reduce((n, u) => n + (u ? u.input + u.output + u.cacheRead + u.cacheWrite : 0), 0);
    // Budget left ≈ capacity − what was really used (plus a little refill while the test ran).
    expect(Number(state['k'])).toBeGreaterThan(10_000 - used - 1);
    expect(Number(state['k'])).toBeLessThan(10_000);
    const big = await newRun(repo, 'root_router_req', { req: 'z'.repeat(20_000) });
    await h.producer.hset(`${h.prefix}:llm:model-budget`, 'k', '100');
    const err = (await w({ runId: big, type: 'root_router_req' }, jobContext(h)).catch((e: unknown) => e)) as RateLimitedError;
    expect(err.code).toBe('LLM_RATE_LIMITED');
    expect(err.retryAfterMs).toBeGreaterThan(1000);
  });
});
