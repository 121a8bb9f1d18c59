// Horizontal scaling of the fleet on this machine: IO-bound jobs per worker process count, and
// bridge throughput per bridge process count. Registered as a suite by bench/run.ts.
import { cpus } from 'node:os';
import { bridgeScale, bridgeTable, type BridgeScaleOptions } from './bridge.ts';
import { ioBound, ioBoundTable, type IoBoundOptions } from './io-bound.ts';

export async function scale(opts: { io?: IoBoundOptions; bridge?: BridgeScaleOptions } = {}): Promise<string> {
  const io = await ioBound(opts.io);
  const bridge = await bridgeScale(opts.bridge);
  const cores = cpus().length;
  return [
    `### IO-bound jobs per worker process (tenant webhooks to a receiver answering after ${opts.io?.delayMs ?? 50} ms; ${cores} cores)`,
    '',
    'Real `fable-jobs worker --pool integrations` processes; jobs added while the queue is paused, timed from resume to the last completion; deliveries counted at the receiver (distinct event ids). Receiver, main API fake, SQS emulator, Redis and MySQL run on the same machine.',
    '',
    ioBoundTable(io, opts.io?.delayMs ?? 50),
    '',
    `### Bridge throughput per bridge process (SQS emulator in its own process; ${cores} cores)`,
    '',
    'Real `fable-jobs bridge` processes; every message becomes visible at one moment after all processes poll; timed from the first job in Redis until every job is in Redis and SQS is empty. The emulator, Redis and MySQL share the same cores.',
    '',
    bridgeTable(bridge),
  ].join('\n');
}
