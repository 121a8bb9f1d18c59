// 13. The producer sends the same idempotency key twice with new MessageIds (at once, and late).
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function idempotencyTwice(count = faultCount(1000)): Promise<Report & { scenario: string }> {
  return scenario('13 same idempotency key twice', 10 * 60_000, async (fleet) => {
    await Promise.all([fleet.startBridge(), fleet.startWorker()]);
    const t0 = Date.now();
    await fleet.send(0, count, { idempotent: true });
    await fleet.send(0, count, { idempotent: true }); // immediately again: the job id dedupes
    await fleet.waitForEffects(count, 5 * 60_000);
    // Late re-send, after the jobs completed and retention removed them: only the ledger knows.
    const removed = await fleet.cleanCompleted('system.effect');
    await fleet.send(0, count, { idempotent: true });
    await fleet.settle();
    return fleet.report(count, { recoveryMs: Date.now() - t0, notes: `${count * 3} messages for ${count} keys: twice at once, then again after ${removed} completed jobs were removed` });
  });
}

