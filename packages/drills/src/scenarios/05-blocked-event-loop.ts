// 5. A processor that blocks the event loop longer than the lock: its lock expires, another
//    worker takes the job over, and the blocked run must not cause the effect too (ctx.fence()).
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function blockedEventLoop(count = faultCount(400)): Promise<Report & { scenario: string }> {
  return scenario('05 event loop blocked past the lock', 10 * 60_000, async (fleet) => {
    const env = { JOB_OVERRIDES: JSON.stringify({ 'system.effect': { lockDurationMs: 2000 } }) };
    await Promise.all([fleet.startBridge(), fleet.startWorker(env), fleet.startWorker(env)]);
    // One job in 20 blocks its worker's event loop for 5 s on its first start (2.5× the lock).
    const t0 = Date.now();
    await fleet.send(0, count, { rate: 50, extra: (i) => (i % 20 === 0 ? { blockMs: 5000, blockOnce: true } : {}) });
    await fleet.waitForEffects(count, 5 * 60_000);
    const recoveryMs = Date.now() - t0;
    await fleet.settle();
    return fleet.report(count, { recoveryMs, notes: `${Math.ceil(count / 20)} jobs blocked their worker 5 s with a 2 s lock; time to process all` });
  });
}

