// 7. Redis with AOF killed with SIGKILL under load: durable acknowledgement on vs off.
//    Redis here is 7.0 (no WAITAOF): "on" = appendfsync always (every write is on disk before
//    Redis answers, so the bridge deletes only durable jobs); "off" = appendfsync everysec.
import { faultCount, scenario, type Report } from '../fleet.ts';
import { untilProgress } from '../watch.ts';

async function once(durable: boolean, count: number): Promise<Report & { scenario: string }> {
  return scenario(
    `07 Redis SIGKILL, AOF, durable ack ${durable ? 'on' : 'off'}`,
    10 * 60_000,
    async (fleet) => {
      // One worker, slow enough that jobs pile up in Redis: a crash has something to lose.
      await Promise.all([fleet.startBridge(), fleet.startWorker({ JOB_OVERRIDES: JSON.stringify({ 'system.effect': { concurrency: 2 } }) })]);
      const sending = fleet.send(0, count, { rate: 400, sleepMs: 20 });
      await fleet.waitForEffects(Math.ceil(count / 5), Infinity);
      await fleet.redis.kill('SIGKILL');
      await fleet.redis.restart();
      const before = (await fleet.effectCount());
      const resumedMs = await untilProgress(fleet, before);
      await sending;
      await fleet.waitForEffects(count, 90_000); // lost jobs never arrive: bounded wait
      await fleet.settle().catch(() => {});
      return fleet.report(count, { recoveryMs: resumedMs, notes: durable ? 'appendfsync always' : 'appendfsync everysec: jobs accepted in the last second before the crash can be lost' });
    },
    { redis: { appendonly: true, appendfsync: durable ? 'always' : 'everysec' } },
  );
}

export async function redisSigkillAof(count = faultCount(3000)): Promise<Array<Report & { scenario: string }>> {
  return [await once(true, count), await once(false, count)];
}

