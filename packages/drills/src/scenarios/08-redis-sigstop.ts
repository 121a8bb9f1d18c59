// 8. Redis paused (SIGSTOP) for 40 s under load, then resumed (SIGCONT).
import { faultCount, scenario, type Report } from '../fleet.ts';
import { untilProgress } from '../watch.ts';

export async function redisSigstop(count = faultCount(2000), pauseMs = Number(process.env['FAULT_PAUSE_MS'] ?? 40_000)): Promise<Report & { scenario: string }> {
  return scenario('08 Redis paused 40 s', 10 * 60_000, async (fleet) => {
    await Promise.all([fleet.startBridge(), fleet.startWorker(), fleet.startWorker()]);
    const sending = fleet.send(0, count, { rate: 100 });
    await fleet.waitForEffects(Math.ceil(count / 5), Infinity);
    fleet.redis.pause();
    await new Promise((r) => setTimeout(r, pauseMs));
    const before = (await fleet.effectCount());
    fleet.redis.resume();
    const resumedMs = await untilProgress(fleet, before);
    await sending;
    await fleet.waitForEffects(count, 5 * 60_000);
    await fleet.settle();
    return fleet.report(count, { recoveryMs: resumedMs, notes: `Redis stopped ${pauseMs / 1000} s; recovery = SIGCONT → effects grow again` });
  });
}

