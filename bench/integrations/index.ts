// Tenant webhook deliveries/s to a local receiver: our pool (BullMQ job → main API lookups →
// template → SSRF-guarded signed POST → logs) vs a bare undici POST loop, same concurrency.
import { request } from 'undici';
import { Agent } from 'undici';
import { JobRunsRepo } from '@fable-jobs/db';
import { createIntegrations } from '@fable-jobs/integrations';
import { PoolRunner, QueueSet, StatusRecorder, enqueueBulk } from '@fable-jobs/queue';
import { createHarness } from '@fable-jobs/testing';
import { fmt, startChild } from '../lib/common.ts';

export interface IntegrationsBenchOptions {
  deliveries?: number;
  concurrency?: number;
  receiverDelayMs?: number;
  tenants?: number;
  rounds?: number;
}

interface Receiver {
  port: number;
  mainApiPort: number;
  stop(): Promise<void>;
}

const RECEIVER = new URL('./receiver.ts', import.meta.url);

async function startReceiver(delayMs: number, tenants: number): Promise<Receiver> {
  const receiver = await startChild(RECEIVER, { ROLE: 'receiver', RECEIVER_DELAY_MS: String(delayMs) }, /RECEIVER (\d+)/);
  const api = await startChild(RECEIVER, { ROLE: 'mainapi', RECEIVER_PORT: String(receiver.port), TENANTS: String(tenants) }, /MAINAPI (\d+)/);
  return {
    port: receiver.port,
    mainApiPort: api.port,
    async stop() {
      await Promise.all([receiver.stop(), api.stop()]);
    },
  };
}

/** The baseline: `concurrency` loops POSTing a signed-size JSON body, nothing else. */
async function bare(r: Receiver, n: number, concurrency: number): Promise<number> {
  const agent = new Agent({ connections: concurrency, keepAliveTimeout: 10_000 });
  const body = JSON.stringify({ email: 'u0@example.com', name: 'U', demo: 'bench-demo' });
  let next = 0;
  const loop = async () => {
    while (next < n) {
      const i = next++;
      const res = await request(`http://127.0.0.1:${r.port}/hook/${1 + (i % 100)}`, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json', authorization: 'Bearer tenant-bench-demo', 'x-fable-event-id': `evt_${i}` },
        body,
      });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`receiver answered ${res.statusCode}`);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, loop));
  const rate = n / ((performance.now() - t0) / 1000);
  await agent.close();
  return rate;
}

let cpuPerDeliveryMs = 0;

/** Ours: n tenant-webhook jobs across `tenants` integrations, run by the integrations pool. */
async function pool(r: Receiver, n: number, concurrency: number, tenants: number): Promise<number> {
  const h = await createHarness({
    env: {
      API_SERVER_ENDPOINT: `http://127.0.0.1:${r.mainApiPort}`,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_TEST_ALLOWLIST: `127.0.0.1:${r.port}`,
      WEBHOOK_SIGNING_SECRET: 'bench-signing-master-key',
      JOB_OVERRIDES: JSON.stringify({ 'integrations.tenant-webhook': { concurrency } }),
    },
  });
  const queues = new QueueSet({ connection: h.producer, prefix: h.prefix, overrides: h.config.worker.jobOverrides });
  for (let i = 0; i < n; i += 5000) {
    await enqueueBulk(
      queues,
      Array.from({ length: Math.min(5000, n - i) }, (_, j) => ({
        name: 'integrations.tenant-webhook' as const,
        data: { integrationId: String(1 + ((i + j) % tenants)), event: 'CREATE_OR_UPDATE_CONTACT', eventPayload: { email: `u${i + j}@example.com`, firstName: 'U', ti: 1 } },
        jobId: `wh-${i + j}`,
        meta: { source: 'test' as const },
      })),
    );
  }
  const integrations = createIntegrations({ config: h.config, log: h.log, mysql: h.mysql, postgres: h.postgres, metrics: h.metrics });
  const status = new StatusRecorder(new JobRunsRepo(h.mysql), h.log, { intervalMs: h.config.worker.statusFlushMs });
  const runner = new PoolRunner({ connection: h.worker, queues, log: h.log, metrics: h.metrics, status, scrubber: h.scrubber }).add('integrations', integrations.processors);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await runner.start();
  for (;;) {
    const done = await h.metrics.registry.getSingleMetric('fable_jobs_completed_total')?.get();
    const failed = await h.metrics.registry.getSingleMetric('fable_jobs_failed_total')?.get();
    if ((failed?.values.reduce((a, v) => a + v.value, 0) ?? 0) > 0) throw new Error(`deliveries failed: ${JSON.stringify(failed?.values)}`);
    if ((done?.values.find((v) => v.labels['queue'] === 'integrations.tenant-webhook')?.value ?? 0) >= n) break;
    await new Promise((res) => setTimeout(res, 10));
  }
  const rate = n / ((performance.now() - t0) / 1000);
  const cpu = process.cpuUsage(cpu0);
  cpuPerDeliveryMs = (cpu.user + cpu.system) / 1000 / n;
  await runner.forceClose();
  await status.close();
  await integrations.close();
  await queues.close();
  await h.mysql('webhook_deliveries').where('job_id', 'like', 'wh-%').delete();
  await h.close();
  return rate;
}

export async function integrations(opts: IntegrationsBenchOptions = {}): Promise<string> {
  const n = opts.deliveries ?? 3000;
  const concurrency = opts.concurrency ?? 50;
  const delay = opts.receiverDelayMs ?? 50;
  const tenants = opts.tenants ?? 100;
  const rounds = opts.rounds ?? 1;
  const receiver = await startReceiver(delay, tenants);
  try {
    const b: number[] = [];
    const o: number[] = [];
    for (let round = 0; round < rounds; round++) {
      b.push(await bare(receiver, n, concurrency));
      o.push(await pool(receiver, n, concurrency, tenants));
    }
    const best = Math.max(...b);
    const ours = Math.max(...o);
    const cols = ['deliveries', 'concurrency', 'receiver latency ms', 'tenants', 'bare undici POST loop /s', 'integrations pool /s', 'ratio', 'pool CPU ms/delivery'];
    const row = [fmt(n), String(concurrency), String(delay), String(tenants), fmt(best), fmt(ours), fmt(ours / best, 2), fmt(cpuPerDeliveryMs, 2)];
    return [`| ${cols.join(' | ')} |`, `| ${cols.map(() => '---').join(' | ')} |`, `| ${row.join(' | ')} |`].join('\n');
  } finally {
    await receiver.stop();
  }
}
