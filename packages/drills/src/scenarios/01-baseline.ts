// 1. Baseline: 10,000 messages, no faults. `node bench/faults/01-baseline.ts`
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function baseline(count = faultCount(10_000)): Promise<Report & { scenario: string }> {
  return scenario('01 baseline', 15 * 60_000, async (fleet) => {
    await Promise.all([fleet.startBridge(), fleet.startWorker(), fleet.startWorker()]);
    const t0 = Date.now();
    await fleet.send(0, count);
    await fleet.waitForEffects(count, 10 * 60_000);
    const recoveryMs = Date.now() - t0;
    await fleet.settle();
    return fleet.report(count, { recoveryMs, notes: 'time to process everything' });
  });
}

