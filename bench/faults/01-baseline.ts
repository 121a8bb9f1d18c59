// 1. Baseline: 10,000 messages, no faults. `node bench/faults/01-baseline.ts [count]`
import { fileURLToPath } from 'node:url';
import { scenario, type Report } from './lib/fleet.ts';

export async function baseline(count = Number(process.argv[2] ?? 10_000)): Promise<Report & { scenario: string }> {
  return scenario('01 baseline', 15 * 60_000, async (fleet) => {
    await Promise.all([fleet.startBridge(), fleet.startWorker(), fleet.startWorker()]);
    const t0 = Date.now();
    await fleet.send(0, count);
    await fleet.waitForEffects(count, 10 * 60_000);
    return fleet.report(count, { recoveryMs: Date.now() - t0, notes: 'time to process everything' });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await baseline(), null, 2));
  process.exit(0);
}
