// IO-bound jobs with 1, 2 and 4 `fable-jobs worker --pool integrations` processes: each job is a
// tenant webhook (main API lookups, template, SSRF guard, signed POST, deliveries row) to a local
// receiver that answers after 50 ms; receiver and main API fake run in their own processes.
// `node bench/scale/io-bound.ts [--jobs N] [--concurrency C,...] [--processes 1,2,4] [--delay-ms 50] [--tenants 400] [--rounds R]`
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { QueueSet, enqueueBulk } from '@fable-jobs/queue';
import { createRedis } from '@fable-jobs/runtime';
import { Fleet } from '@fable-jobs/drills';
import { until } from '@fable-jobs/testing';
import { fmt, median, startChild, table } from '../lib/common.ts';
import { childPids, coresSampler, cpuSampler, pidsByName } from './lib/common.ts';

/** The tenant endpoint and main API fake, shared with the integrations benchmark. */
const RECEIVER = new URL('../integrations/receiver.ts', import.meta.url);

const Q = 'integrations.tenant-webhook';

export interface IoBoundOptions {
  jobs?: number;
  /** Per-process concurrency of the tenant-webhook queue (JOB_OVERRIDES); the catalogue says 50. */
  concurrency?: number[];
  processes?: number[];
  delayMs?: number;
  tenants?: number;
  /** Runs of each configuration, interleaved; the table shows the median and the range. */
  rounds?: number;
}

export interface IoBoundRow {
  processes: number;
  concurrency: number;
  jobs: number;
  seconds: number;
  jobsPerSecond: number;
  delivered: number;
  posts: number;
  cpuBusy: number;
  /** Cores used during the run by the worker processes, Redis, the receiver + main API fake, and MariaDB (shared with anything else running). */
  cores: Record<'workers' | 'redis' | 'servers' | 'mysql', number>;
}

async function stats(port: number): Promise<{ posts: number; distinct: number }> {
  return (await fetch(`http://127.0.0.1:${port}/stats`)).json() as Promise<{ posts: number; distinct: number }>;
}

async function runOnce(processes: number, concurrency: number, jobs: number, tenants: number, receiverPort: number, mainApiPort: number): Promise<IoBoundRow> {
  await fetch(`http://127.0.0.1:${receiverPort}/reset`, { method: 'POST' });
  const fleet = await Fleet.start({
    env: {
      API_SERVER_ENDPOINT: `http://127.0.0.1:${mainApiPort}`,
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_TEST_ALLOWLIST: `127.0.0.1:${receiverPort}`,
      WEBHOOK_SIGNING_SECRET: 'scale-bench-signing-master-key',
      JOB_OVERRIDES: JSON.stringify({ [Q]: { concurrency } }),
    },
  });
  const producer = createRedis(fleet.redis.url, 'producer');
  const queues = new QueueSet({ connection: producer, prefix: fleet.prefix });
  try {
    const queue = queues.get(Q);
    // Paused while the processes start and the jobs are added, so every process starts the clock together.
    await queue.pause();
    const workers = await Promise.all(Array.from({ length: processes }, () => fleet.startWorker({}, ['integrations'])));
    const pids = workers.map((w) => w.child.pid ?? 0);
    for (let i = 0; i < jobs; i += 5000) {
      await enqueueBulk(
        queues,
        Array.from({ length: Math.min(5000, jobs - i) }, (_, j) => ({
          name: Q,
          data: { integrationId: String(1 + ((i + j) % tenants)), event: 'CREATE_OR_UPDATE_CONTACT', eventPayload: { email: `u${i + j}@example.com`, firstName: 'U', ti: 1 } },
          jobId: `${fleet.prefix}-${i + j}`,
          meta: { source: 'test' as const },
        })),
      );
    }
    const cpu = cpuSampler();
    const cores = coresSampler({ workers: pids, redis: childPids(/redis-server/), servers: childPids(/integrations\/receiver\.ts/), mysql: pidsByName(/^(mariadbd|mysqld)$/) });
    const t0 = performance.now();
    await queue.resume();
    await until(
      async () => {
        const c = await queue.getJobCounts('completed', 'failed');
        if ((c['failed'] ?? 0) > 0) throw new Error(`${c['failed']} deliveries failed`);
        return (c['completed'] ?? 0) >= jobs;
      },
      { what: `${jobs} deliveries`, timeoutMs: 15 * 60_000, intervalMs: 20 },
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpuBusy = cpu();
    const used = cores() as IoBoundRow['cores'];
    const s = await stats(receiverPort);
    return { processes, concurrency, jobs, seconds, jobsPerSecond: jobs / seconds, delivered: s.distinct, posts: s.posts, cpuBusy, cores: used };
  } finally {
    await queues.close();
    producer.disconnect();
    await fleet.mysql('webhook_deliveries').where('job_id', 'like', `${fleet.prefix}-%`).delete().catch(() => {});
    await fleet.stop();
  }
}

export async function ioBound(opts: IoBoundOptions = {}): Promise<IoBoundRow[]> {
  const jobs = opts.jobs ?? 4000;
  const tenants = opts.tenants ?? 400;
  const delayMs = opts.delayMs ?? 50;
  const receiver = await startChild(RECEIVER, { ROLE: 'receiver', RECEIVER_DELAY_MS: String(delayMs) }, /RECEIVER (\d+)/);
  const api = await startChild(RECEIVER, { ROLE: 'mainapi', RECEIVER_PORT: String(receiver.port), TENANTS: String(tenants) }, /MAINAPI (\d+)/);
  const rows: IoBoundRow[] = [];
  try {
    for (let round = 1; round <= (opts.rounds ?? 1); round++) {
      for (const c of opts.concurrency ?? [5, 50]) {
        for (const p of opts.processes ?? [1, 2, 4]) {
          process.stderr.write(`io-bound round ${round}: ${p} worker process(es), concurrency ${c}, ${jobs} jobs...\n`);
          const row = await runOnce(p, c, jobs, tenants, receiver.port, api.port);
          process.stderr.write(`  ${JSON.stringify(row)}\n`);
          rows.push(row);
        }
      }
    }
  } finally {
    await Promise.all([receiver.stop(), api.stop()]);
  }
  return rows;
}

export function ioBoundTable(rows: IoBoundRow[], delayMs = 50): string {
  const groups = new Map<string, IoBoundRow[]>();
  for (const r of rows) groups.set(`${r.concurrency}/${r.processes}`, [...(groups.get(`${r.concurrency}/${r.processes}`) ?? []), r]);
  const rate = (runs: IoBoundRow[]) => median(runs.map((r) => r.jobsPerSecond));
  return table(
    [...groups.values()].map((runs) => {
      const r = runs[0] as IoBoundRow;
      const mid = runs.find((x) => x.jobsPerSecond === rate(runs)) ?? r;
      const rates = runs.map((x) => x.jobsPerSecond);
      return {
        'worker processes': r.processes,
        'concurrency per process': r.concurrency,
        'jobs × runs': `${fmt(r.jobs)} × ${runs.length}`,
        'ideal jobs/s (in flight / 50 ms)': fmt((r.processes * r.concurrency * 1000) / delayMs),
        'jobs/s (median)': fmt(rate(runs)),
        'range': `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`,
        'scaling vs 1 process': `${fmt(rate(runs) / rate(groups.get(`${r.concurrency}/1`) ?? []), 2)}×`,
        'delivered / POSTs (all runs)': `${fmt(runs.reduce((a, x) => a + x.delivered, 0))} / ${fmt(runs.reduce((a, x) => a + x.posts, 0))}`,
        'worker CPU ms/job': fmt((mid.cores.workers * 1000) / mid.jobsPerSecond, 2),
        'cores: workers / redis / fakes / mariadb*': [mid.cores.workers, mid.cores.redis, mid.cores.servers, mid.cores.mysql].map((x) => fmt(x, 2)).join(' / '),
        'machine CPU busy': `${fmt(mid.cpuBusy * 100)}%`,
      };
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { jobs: { type: 'string' }, concurrency: { type: 'string' }, processes: { type: 'string' }, 'delay-ms': { type: 'string' }, tenants: { type: 'string' }, rounds: { type: 'string' } } });
  const list = (v: string | undefined) => v?.split(',').map(Number);
  const delayMs = values['delay-ms'] ? Number(values['delay-ms']) : 50;
  const started = new Date().toISOString();
  const rows = await ioBound({ jobs: values.jobs ? Number(values.jobs) : undefined, concurrency: list(values.concurrency), processes: list(values.processes), delayMs, tenants: values.tenants ? Number(values.tenants) : undefined, rounds: values.rounds ? Number(values.rounds) : undefined });
  process.stdout.write(`## scale: IO-bound jobs — ${started}, ${process.version}, ${cpus().length} cores\n\n${ioBoundTable(rows, delayMs)}\n`);
  process.exit(0);
}
