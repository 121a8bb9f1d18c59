// Bridge throughput with 1, 2 and 4 `fable-jobs bridge` processes (and one process with as many
// pollers as 4 × the default), against the SQS emulator in its own process and a private Redis.
// The messages are sent with a DelaySeconds that makes them visible at one moment after every
// bridge is polling, so no process gets a head start.
// `node bench/scale/bridge.ts [--messages N] [--processes 1,2,4] [--pollers 2] [--extra-pollers 8] [--rounds R]`
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Queue } from 'bullmq';
import { encodeMessage, toSqsAttributes, type EncodedMessage } from '@fable-jobs/contracts';
import { createRedis } from '@fable-jobs/runtime';
import { Fleet } from '@fable-jobs/drills';
import { until } from '@fable-jobs/testing';
import { fmt, median, table } from '../lib/common.ts';
import { childPids, coresSampler, cpuSampler, pidsByName } from './lib/common.ts';

export interface BridgeScaleOptions {
  messages?: number;
  processes?: number[];
  /** BRIDGE_POLLERS of each process in the process-count rows (the default setting is 2). */
  pollers?: number;
  /** Pollers of an extra single-process row (0 = none). */
  extraPollers?: number;
  /** Runs of each configuration, interleaved; the table shows the median and the range. */
  rounds?: number;
}

export interface BridgeScaleRow {
  processes: number;
  pollers: number;
  messages: number;
  seconds: number;
  perSecond: number;
  jobs: number;
  deadLettered: number;
  cpuBusy: number;
  /** Cores used during the run by the bridge processes, the SQS emulator, Redis and MariaDB (ledger; shared with anything else running). */
  cores: Record<'bridges' | 'emulator' | 'redis' | 'mysql', number>;
  /** Redis used_memory growth per job added (waiting jobs, small payload). */
  redisBytesPerJob: number;
}

/** The messages were not all sent, or the processes not all polling, before the gate opened. */
class GateMissed extends Error {}

/** Send in batches of 10, each with the DelaySeconds that makes it visible at `openAt` (to the second). */
async function preloadUntil(sqs: SQSClient, queueUrl: string, messages: EncodedMessage[], openAt: number, parallel = 16): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < messages.length) {
      const chunk = messages.slice(next, next + 10);
      next += 10;
      const delay = Math.ceil((openAt - Date.now()) / 1000);
      if (delay < 1 || delay > 900) throw new GateMissed(`the gate must be 1..900 s ahead (is ${delay} s)`);
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), MessageBody: m.body, MessageAttributes: toSqsAttributes(m.attributes), DelaySeconds: delay })) }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, sender));
}

const usedMemory = (info: string) => Number(/used_memory:(\d+)/.exec(info)?.[1] ?? NaN);

async function runOnce(processes: number, pollers: number, messages: number, gateMs: number): Promise<BridgeScaleRow> {
  const fleet = await Fleet.start({ env: { BRIDGE_POLLERS: String(pollers) } });
  const redis = createRedis(fleet.redis.url, 'producer');
  const queue = new Queue('system.noop', { connection: redis, prefix: fleet.prefix });
  try {
    const bodies = Array.from({ length: messages }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `${fleet.prefix}-${i}` }));
    const openAt = Date.now() + gateMs;
    const [bridges] = await Promise.all([Promise.all(Array.from({ length: processes }, () => fleet.startBridge())), preloadUntil(fleet.emulator.sqs, fleet.queueUrl, bodies, openAt)]);
    if (Date.now() >= openAt) throw new GateMissed('processes started after the gate opened');
    process.stderr.write(`  ready ${((openAt - Date.now()) / 1000).toFixed(1)} s before the gate\n`);
    const pids = bridges.map((b) => b.child.pid ?? 0);
    const memory0 = usedMemory(await redis.info('memory'));
    await until(async () => (await queue.count()) > 0, { what: 'the first job', timeoutMs: 60_000, intervalMs: 5 });
    const t0 = performance.now();
    const cpu = cpuSampler();
    const cores = coresSampler({ bridges: pids, emulator: childPids(/fauxqs-server\.ts/), redis: childPids(/redis-server/), mysql: pidsByName(/^(mariadbd|mysqld)$/) });
    let inRedis = 0;
    await until(async () => (inRedis = await queue.count()) >= messages && (await fleet.mainDepth()) === 0, { what: `${messages} jobs in Redis and SQS drained`, timeoutMs: 10 * 60_000, intervalMs: 20 });
    const seconds = (performance.now() - t0) / 1000;
    const cpuBusy = cpu();
    const used = cores() as BridgeScaleRow['cores'];
    const redisBytesPerJob = (usedMemory(await redis.info('memory')) - memory0) / inRedis;
    return { processes, pollers, messages, seconds, perSecond: messages / seconds, jobs: inRedis, deadLettered: await fleet.dlqDepth(), cpuBusy, cores: used, redisBytesPerJob };
  } finally {
    await queue.close();
    redis.disconnect();
    await fleet.stop();
  }
}

export async function bridgeScale(opts: BridgeScaleOptions = {}): Promise<BridgeScaleRow[]> {
  const messages = opts.messages ?? 24_000;
  const pollers = opts.pollers ?? 2;
  const runs: Array<[number, number]> = (opts.processes ?? [1, 2, 4]).map((p) => [p, pollers]);
  const extra = opts.extraPollers ?? 8;
  if (extra > 0) runs.push([1, extra]);
  const rows: BridgeScaleRow[] = [];
  for (let round = 1; round <= (opts.rounds ?? 1); round++) {
    for (const [p, k] of runs) {
      process.stderr.write(`bridge round ${round}: ${p} process(es) × ${k} pollers, ${messages} messages...\n`);
      // Long enough for the processes to start and the messages to be sent meanwhile; a busy machine may need a second try with more.
      for (let gateMs = 8000 + Math.ceil(messages / 4); ; gateMs *= 2) {
        try {
          const row = await runOnce(p, k, messages, gateMs);
          process.stderr.write(`  ${JSON.stringify(row)}\n`);
          rows.push(row);
          break;
        } catch (err) {
          if (!(err instanceof GateMissed) || gateMs > 120_000) throw err;
          process.stderr.write(`  ${err.message} (gate ${gateMs} ms): again with a longer gate\n`);
        }
      }
    }
  }
  return rows;
}

export function bridgeTable(rows: BridgeScaleRow[]): string {
  const groups = new Map<string, BridgeScaleRow[]>();
  for (const r of rows) groups.set(`${r.processes}×${r.pollers}`, [...(groups.get(`${r.processes}×${r.pollers}`) ?? []), r]);
  const rate = (runs: BridgeScaleRow[]) => median(runs.map((r) => r.perSecond));
  const base = rate([...groups.values()][0] ?? []);
  return table(
    [...groups.values()].map((runs) => {
      const r = runs[0] as BridgeScaleRow;
      const mid = runs.find((x) => x.perSecond === rate(runs)) ?? r;
      const rates = runs.map((x) => x.perSecond);
      return {
        'bridge processes': r.processes,
        'pollers per process': r.pollers,
        'messages × runs': `${fmt(r.messages)} × ${runs.length}`,
        'msg/s (median)': fmt(rate(runs)),
        'range': `${fmt(Math.min(...rates))}–${fmt(Math.max(...rates))}`,
        'scaling vs first row': `${fmt(rate(runs) / base, 2)}×`,
        'jobs in Redis / dead-lettered (all runs)': `${fmt(runs.reduce((a, x) => a + x.jobs, 0))} / ${runs.reduce((a, x) => a + x.deadLettered, 0)}`,
        'bridge CPU ms/msg': fmt((mid.cores.bridges * 1000) / mid.perSecond, 2),
        'cores: bridges / emulator / redis / mariadb*': [mid.cores.bridges, mid.cores.emulator, mid.cores.redis, mid.cores.mysql].map((x) => fmt(x, 2)).join(' / '),
        'Redis bytes/waiting job': fmt(mid.redisBytesPerJob),
        'machine CPU busy': `${fmt(mid.cpuBusy * 100)}%`,
      };
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, processes: { type: 'string' }, pollers: { type: 'string' }, 'extra-pollers': { type: 'string' }, rounds: { type: 'string' } } });
  const started = new Date().toISOString();
  const rows = await bridgeScale({
    messages: values.messages ? Number(values.messages) : undefined,
    processes: values.processes?.split(',').map(Number),
    pollers: values.pollers ? Number(values.pollers) : undefined,
    extraPollers: values['extra-pollers'] !== undefined ? Number(values['extra-pollers']) : undefined,
    rounds: values.rounds ? Number(values.rounds) : undefined,
  });
  process.stdout.write(`## scale: bridge — ${started}, ${process.version}, ${cpus().length} cores\n\n${bridgeTable(rows)}\n`);
  process.exit(0);
}
