// Bridge throughput with 1, 2 and 4 `fable-jobs bridge` processes (and one process with as many
// pollers as 4 × the default), against the SQS emulator in its own process and a private Redis.
// The messages are sent with a DelaySeconds that makes them visible at one moment after every
// bridge is polling, so no process gets a head start.
// `node bench/scale/bridge.ts [--messages N] [--processes 1,2,4] [--pollers 2] [--extra-pollers 8]`
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { Queue } from 'bullmq';
import { encodeMessage, toSqsAttributes, type EncodedMessage } from '@fable-jobs/contracts';
import { createRedis } from '@fable-jobs/runtime';
import { Fleet } from '../faults/lib/fleet.ts';
import { fmt, table } from '../lib/common.ts';
import { cpuSampler, pollUntil, processCpuMs } from './lib/common.ts';

export interface BridgeScaleOptions {
  messages?: number;
  processes?: number[];
  /** BRIDGE_POLLERS of each process in the process-count rows (the default setting is 2). */
  pollers?: number;
  /** Pollers of an extra single-process row (0 = none). */
  extraPollers?: number;
}

export interface BridgeScaleRow {
  processes: number;
  pollers: number;
  messages: number;
  seconds: number;
  perSecond: number;
  jobs: number;
  deadLettered: number;
  bridgeCpuMsPerMessage: number;
  cpuBusy: number;
}

/** Send in batches of 10, each with the DelaySeconds that makes it visible at `openAt` (to the second). */
async function preloadUntil(sqs: SQSClient, queueUrl: string, messages: EncodedMessage[], openAt: number, parallel = 16): Promise<void> {
  let next = 0;
  const sender = async () => {
    while (next < messages.length) {
      const chunk = messages.slice(next, next + 10);
      next += 10;
      const delay = Math.ceil((openAt - Date.now()) / 1000);
      if (delay < 1 || delay > 900) throw new Error(`the gate must be 1..900 s ahead (is ${delay} s): raise it or send fewer messages`);
      await sqs.send(new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: chunk.map((m, i) => ({ Id: String(i), MessageBody: m.body, MessageAttributes: toSqsAttributes(m.attributes), DelaySeconds: delay })) }));
    }
  };
  await Promise.all(Array.from({ length: parallel }, sender));
}

async function runOnce(processes: number, pollers: number, messages: number): Promise<BridgeScaleRow> {
  const fleet = await Fleet.start({ env: { BRIDGE_POLLERS: String(pollers) } });
  const redis = createRedis(fleet.redis.url, 'producer');
  const queue = new Queue('system.noop', { connection: redis, prefix: fleet.prefix });
  try {
    const bodies = Array.from({ length: messages }, (_, i) => encodeMessage('SYSTEM_NOOP', 'legacy', { note: `${fleet.prefix}-${i}` }));
    // Long enough for the processes to start and the messages to be sent (about 2,000/s here) meanwhile.
    const openAt = Date.now() + 12_000 + Math.ceil(messages / 2);
    const [bridges] = await Promise.all([Promise.all(Array.from({ length: processes }, () => fleet.startBridge())), preloadUntil(fleet.emulator.sqs, fleet.queueUrl, bodies, openAt)]);
    if (Date.now() >= openAt) throw new Error('processes started or messages were sent after the gate opened: raise the gate');
    const pids = bridges.map((b) => b.child.pid ?? 0);
    await pollUntil(async () => (await queue.count()) > 0, 'the first job', 60_000, 5);
    const t0 = performance.now();
    const cpu = cpuSampler();
    const cpu0 = processCpuMs(pids);
    let inRedis = 0;
    await pollUntil(async () => (inRedis = await queue.count()) >= messages && (await fleet.mainDepth()) === 0, `${messages} jobs in Redis and SQS drained`, 10 * 60_000, 20);
    const seconds = (performance.now() - t0) / 1000;
    const cpuBusy = cpu();
    const bridgeCpuMsPerMessage = (processCpuMs(pids) - cpu0) / messages;
    return { processes, pollers, messages, seconds, perSecond: messages / seconds, jobs: inRedis, deadLettered: await fleet.dlqDepth(), bridgeCpuMsPerMessage, cpuBusy };
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
  for (const [p, k] of runs) {
    process.stderr.write(`bridge: ${p} process(es) × ${k} pollers, ${messages} messages...\n`);
    rows.push(await runOnce(p, k, messages));
  }
  return rows;
}

export function bridgeTable(rows: BridgeScaleRow[]): string {
  const base = rows.find((r) => r.processes === 1)?.perSecond ?? NaN;
  return table(
    rows.map((r) => ({
      'bridge processes': r.processes,
      'pollers per process': r.pollers,
      messages: fmt(r.messages),
      'msg/s (SQS → BullMQ, deleted)': fmt(r.perSecond),
      'scaling vs first row': `${fmt(r.perSecond / base, 2)}×`,
      'jobs in Redis': fmt(r.jobs),
      'dead-lettered': r.deadLettered,
      'bridge CPU ms/msg': fmt(r.bridgeCpuMsPerMessage, 2),
      'cores used by the bridges': fmt((r.bridgeCpuMsPerMessage * r.perSecond) / 1000, 2),
      'machine CPU busy (all processes)': `${fmt(r.cpuBusy * 100)}%`,
    })),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { messages: { type: 'string' }, processes: { type: 'string' }, pollers: { type: 'string' }, 'extra-pollers': { type: 'string' } } });
  const started = new Date().toISOString();
  const rows = await bridgeScale({
    messages: values.messages ? Number(values.messages) : undefined,
    processes: values.processes?.split(',').map(Number),
    pollers: values.pollers ? Number(values.pollers) : undefined,
    extraPollers: values['extra-pollers'] !== undefined ? Number(values['extra-pollers']) : undefined,
  });
  process.stdout.write(`## scale: bridge — ${started}, ${process.version}, ${cpus().length} cores\n\n${bridgeTable(rows)}\n`);
  process.exit(0);
}
