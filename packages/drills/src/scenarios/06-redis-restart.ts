// 6. Redis restart under load (AOF on, graceful restart): bridge and workers resume by themselves.
import { faultCount, scenario, type Report } from '../fleet.ts';
import { untilProgress } from '../watch.ts';

export async function redisRestart(count = faultCount(3000)): Promise<Report & { scenario: string }> {
  return scenario(
    '06 Redis restart under load',
    10 * 60_000,
    async (fleet) => {
      await Promise.all([fleet.startBridge(), fleet.startWorker(), fleet.startWorker()]);
      const sending = fleet.send(0, count, { rate: 300 });
      await fleet.waitForEffects(Math.ceil(count / 4), Infinity);
      await fleet.redis.kill('SIGTERM'); // a restart: AOF is flushed on the way down
      await new Promise((r) => setTimeout(r, 3000));
      const before = (await fleet.effectCount());
      await fleet.redis.restart();
      const resumedMs = await untilProgress(fleet, before);
      await sending;
      await fleet.waitForEffects(count, 5 * 60_000);
      await fleet.settle();
      return fleet.report(count, { recoveryMs: resumedMs, notes: 'Redis down 3 s; recovery = Redis back → effects grow again (no process restarted)' });
    },
    { redis: { appendonly: true, appendfsync: 'everysec' } },
  );
}

