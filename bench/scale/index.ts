// Horizontal scaling of the fleet on this machine: IO-bound jobs per worker process count, and
// bridge throughput per bridge process count. Registered as a suite by bench/run.ts.
import { cpus } from 'node:os';
import { bridgeScale, bridgeTable, type BridgeScaleOptions } from './bridge.ts';
import { ioBound, ioBoundTable, type IoBoundOptions } from './io-bound.ts';

export async function scale(opts: { io?: IoBoundOptions; bridge?: BridgeScaleOptions } = {}): Promise<string> {
  const io = await ioBound({ rounds: 3, jobs: 3000, ...opts.io });
  const bridge = await bridgeScale({ rounds: 3, messages: 16_000, ...opts.bridge });
  const cores = cpus().length;
  return [
    `### IO-bound jobs per worker process (tenant webhooks to a receiver answering after ${opts.io?.delayMs ?? 50} ms; ${cores} cores)`,
    '',
    'Real `fable-jobs worker --pool integrations` processes; jobs added while the queue is paused, timed from resume to the last completion; deliveries counted at the receiver (distinct event ids). Each configuration runs several times, interleaved; the median run is shown with the range. Receiver, main API fake, SQS emulator, Redis and MariaDB run on the same machine (*MariaDB is shared with anything else running).',
    '',
    ioBoundTable(io, opts.io?.delayMs ?? 50),
    '',
    `### Bridge throughput per bridge process (SQS emulator in its own process; ${cores} cores)`,
    '',
    'Real `fable-jobs bridge` processes; every message becomes visible at one moment after all processes poll; timed from the first job in Redis until every job is in Redis and SQS is empty. Median of the runs with the range. The emulator, Redis and MariaDB (the ledger; *shared with anything else running) use the same cores.',
    '',
    bridgeTable(bridge),
  ].join('\n');
}
