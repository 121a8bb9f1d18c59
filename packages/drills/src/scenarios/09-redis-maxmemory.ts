// 9. Redis at maxmemory with noeviction: adds fail, nothing is deleted from SQS, nothing is
//    lost; once memory is available again everything is processed.
import { Redis } from 'ioredis';
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function redisMaxmemory(count = faultCount(3000)): Promise<Report & { scenario: string }> {
  return scenario('09 Redis at maxmemory (noeviction)', 10 * 60_000, async (fleet) => {
    const admin = new Redis({ host: '127.0.0.1', port: fleet.redis.port });
    try {
      const used = Number(/used_memory:(\d+)/.exec(await admin.info('memory'))?.[1] ?? 0);
      // Room for a few hundred jobs only; no worker runs, so jobs pile up until Redis refuses writes.
      await admin.config('SET', 'maxmemory', String(used + 512 * 1024));
      const bridge = await fleet.startBridge();
      await fleet.send(0, count);
      await bridge.waitForLine(/could not enqueue a batch/, 120_000);
      const refusedAt = Date.now();
      const inSqs = await fleet.mainDepth();
      const dlqDuringOom = await fleet.dlqDepth();
      await admin.config('SET', 'maxmemory', '0');
      await fleet.startWorker();
      await fleet.waitForEffects(count, 5 * 60_000);
      await fleet.settle();
      return fleet.report(count, {
        recoveryMs: Date.now() - refusedAt,
        notes: `while Redis refused writes: ${inSqs} messages still in SQS, ${dlqDuringOom} in the DLQ; recovery = memory freed → all processed`,
      });
    } finally {
      admin.disconnect();
    }
  });
}

