// `npm run bench -- spine`: the spine's three benchmarks, each ours vs a baseline in one run.
import { table } from '../lib/common.ts';
import { benchBridge } from './bridge.ts';
import { benchLatency } from './latency.ts';
import { benchWorker } from './worker.ts';

export async function spine(): Promise<string> {
  const out: string[] = [];
  out.push('### Bridge throughput (SQS emulator in its own process; ledger on; durability auto)\n', table(await benchBridge()), '');
  out.push('### Worker runtime throughput (system.noop)\n', table(await benchWorker()), '');
  out.push('### End-to-end latency, SQS send → job completed\n', table(await benchLatency()), '');
  return out.join('\n');
}
