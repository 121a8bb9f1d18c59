// API benchmark, baseline and ours side by side in one run:
//  1. GET /health req/s: a bare Fastify hello-world vs buildApp (JWT, rate-limit, docs, Slack
//     and llm routes registered) — target ours ≥ 0.9× the baseline;
//  2. POST /v1/f/llmops p50 latency vs calling the Anthropic SDK directly, both against the same
//     zero-latency fake Messages API — target: added p50 ≤ 5 ms (auth, run row, queue, worker,
//     limiter, record, QueueEvents back to the request).
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Pool } from 'undici';
import { migrateWithRetry } from '@fable-jobs/db';
import { buildRequest } from '@fable-jobs/llm';
import { startJwksIssuer, testConfig } from '@fable-jobs/testing';
import { fmt, median, percentile, table } from '../lib/common.ts';

export interface ApiBenchOptions {
  /** Seconds per /health round, per side. */
  healthSeconds?: number;
  rounds?: number;
  connections?: number;
  /** Sequential llmops requests per side (after warm-up). */
  requests?: number;
}

const KEY = 'sk-ant-bench-0001';

interface AnthropicSdk {
  messages: { create(params: unknown): Promise<unknown> };
}

/** The Anthropic SDK the llm package uses (the bench package does not depend on it itself). */
async function anthropicSdk(opts: Record<string, unknown>): Promise<AnthropicSdk> {
  const path = createRequire(fileURLToPath(import.meta.resolve('@fable-jobs/llm'))).resolve('@anthropic-ai/sdk');
  const mod = (await import(pathToFileURL(path).href)) as { default: { Anthropic: new (o: Record<string, unknown>) => AnthropicSdk } };
  return new mod.default.Anthropic(opts);
}

interface Child {
  port: number;
  stop(): Promise<void>;
}

function child(mode: string, env: Record<string, string> = {}): Promise<Child> {
  const proc: ChildProcess = spawn(process.execPath, [fileURLToPath(new URL('./child.ts', import.meta.url)), mode], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  return new Promise((resolve, reject) => {
    proc.stdout?.on('data', (b: Buffer) => {
      const m = /LISTEN (\d+)/.exec(String(b));
      if (m)
        resolve({
          port: Number(m[1]),
          async stop() {
            proc.kill('SIGTERM');
            await new Promise((r) => proc.once('exit', r));
          },
        });
    });
    proc.once('exit', (code) => reject(new Error(`bench child ${mode} exited with ${code}`)));
  });
}

/** Requests/s of GET /health with `connections` keep-alive connections for `seconds`. */
async function healthRate(port: number, seconds: number, connections: number): Promise<number> {
  const pool = new Pool(`http://127.0.0.1:${port}`, { connections, pipelining: 1 });
  let done = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < until) {
        const res = await pool.request({ method: 'GET', path: '/health' });
        await res.body.dump();
        if (res.statusCode !== 200) throw new Error(`GET /health answered ${res.statusCode}`);
        done += 1;
      }
    }),
  );
  await pool.close();
  return done / seconds;
}

async function timed<T>(fn: () => Promise<T>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function api(opts: ApiBenchOptions = {}): Promise<string> {
  const seconds = opts.healthSeconds ?? Number(process.env['BENCH_SECONDS'] ?? 3);
  const rounds = opts.rounds ?? Number(process.env['BENCH_ROUNDS'] ?? 5);
  const connections = opts.connections ?? 32;
  const requests = opts.requests ?? Number(process.env['BENCH_REQUESTS'] ?? 300);

  // The API reads and writes llm_runs: make sure the schema exists (a fresh machine).
  await migrateWithRetry(testConfig().config, { createDatabases: true });
  const issuer = await startJwksIssuer();
  const fake = await child('anthropic', { BENCH_ANTHROPIC_KEY: KEY });
  const anthropicUrl = `http://127.0.0.1:${fake.port}`;
  const env = {
    ANTHORIPC_KEY: `bench|${KEY}`,
    LLM_ANTHROPIC_BASE_URL: anthropicUrl,
    AUTH0_ISSUER_URL: issuer.issuer,
    AUTH0_AUDIENCES: 'https://bench.fable.test',
    API_USER_RATE_LIMIT_MAX: '100000000',
    LLM_REQUESTS_PER_MINUTE: '100000000',
    LLM_TOKENS_PER_MINUTE: '2000000000',
    LLM_RATE_BURST_SECONDS: '60',
    LOG_LEVEL: 'warn',
  };
  const [hello, ours] = await Promise.all([child('hello'), child('ours', { BENCH_API_ENV: JSON.stringify(env), LOG_LEVEL: 'warn' })]);
  try {
    // 1. /health throughput, alternating sides so drift of the machine hits both.
    const rates = { hello: [] as number[], ours: [] as number[] };
    await healthRate(hello.port, 1, connections);
    await healthRate(ours.port, 1, connections);
    for (let r = 0; r < rounds; r++) {
      rates.hello.push(await healthRate(hello.port, seconds, connections));
      rates.ours.push(await healthRate(ours.port, seconds, connections));
    }
    const helloRate = median(rates.hello);
    const oursRate = median(rates.ours);

    // 2. llmops latency: the same request (system prompt, forced tool, user message), one at a time.
    const payload = { req: 'Change the colour of the guides to our brand blue', product_details: 'Invoicing for small agencies' };
    const { params } = buildRequest('root_router_req', payload, [], { model: 'claude-sonnet-5-5', maxTokens: 1024 });
    const sdk = await anthropicSdk({ apiKey: KEY, baseURL: anthropicUrl, maxRetries: 0, logLevel: 'off', defaultHeaders: { 'x-api-key': KEY, 'anthropic-version': '2023-06-01', authorization: null } });
    const authorization = `Bearer 7:${issuer.sign({ sub: 'auth0|bench', aud: 'https://bench.fable.test', exp: Math.floor(Date.now() / 1000) + 3600 })}`;
    const pool = new Pool(`http://127.0.0.1:${ours.port}`, { connections: 1 });
    const body = JSON.stringify({ v: 2, type: 'root_router_req', model: '', thread: 'bench-thread', user_payload: payload });
    const viaApi = async () => {
      const res = await pool.request({ method: 'POST', path: '/v1/f/llmops', headers: { authorization, 'content-type': 'application/json' }, body });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`llmops answered ${res.statusCode}: ${text.slice(0, 200)}`);
    };
    const direct = () => sdk.messages.create(params);
    for (let i = 0; i < 30; i++) {
      await direct();
      await viaApi();
    }
    const lat = { direct: [] as number[], api: [] as number[] };
    for (let i = 0; i < requests; i++) {
      lat.direct.push(await timed(direct));
      lat.api.push(await timed(viaApi));
    }
    await pool.close();
    lat.direct.sort((a, b) => a - b);
    lat.api.sort((a, b) => a - b);
    const p = (xs: number[], q: number) => fmt(percentile(xs, q), 2);
    const added = percentile(lat.api, 50) - percentile(lat.direct, 50);

    return [
      `GET /health, ${connections} connections, ${rounds} × ${seconds} s per side (median round):`,
      '',
      table([
        { side: 'bare Fastify hello-world', 'req/s': fmt(helloRate), rounds: rates.hello.map((x) => fmt(x)).join(' / ') },
        { side: 'buildApp (ours)', 'req/s': fmt(oursRate), rounds: rates.ours.map((x) => fmt(x)).join(' / ') },
      ]),
      '',
      `ratio ours / baseline: **${fmt(oursRate / helloRate, 2)}** (target ≥ 0.90)`,
      '',
      `POST /v1/f/llmops vs the Anthropic SDK directly, same zero-latency fake, ${requests} sequential requests each (ms):`,
      '',
      table([
        { path: 'SDK → fake', p50: p(lat.direct, 50), p90: p(lat.direct, 90), p99: p(lat.direct, 99) },
        { path: 'HTTP → API → queue → worker → SDK → fake → back', p50: p(lat.api, 50), p90: p(lat.api, 90), p99: p(lat.api, 99) },
      ]),
      '',
      `added p50: **${fmt(added, 2)} ms** (target ≤ 5 ms)`,
    ].join('\n');
  } finally {
    await Promise.all([hello.stop(), ours.stop(), fake.stop()]);
    await issuer.server.close();
  }
}
