// 11. Poison messages mixed into good traffic: each is dead-lettered on its first receive (never
//     retried in a loop) and good-message throughput is unchanged (ratio with vs without poison).
import { encodeMessage } from '@fable-jobs/contracts';
import { preload } from '../lib/common.ts';
import { scenario, type Fleet, type Report } from './lib/fleet.ts';
import { runIfMain } from './lib/run-main.ts';

async function throughput(fleet: Fleet, from: number, good: number, poisonEvery: number): Promise<number> {
  const messages = [];
  for (let i = 0; i < good; i++) {
    messages.push(encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey: fleet.key(from + i) }));
    if (poisonEvery && i % poisonEvery === 0) messages.push(i % 2 ? { body: '{"type":"NF",', attributes: {} } : encodeMessage('NF', 'legacy', { eventName: 'NOT_A_THING' }));
  }
  await preload(fleet.emulator.sqs, fleet.queueUrl, messages);
  const t0 = Date.now();
  const bridge = await fleet.startBridge();
  await fleet.waitForEffects(from + good, 5 * 60_000);
  const rate = good / ((Date.now() - t0) / 1000);
  await fleet.kill(bridge, 'SIGTERM');
  return rate;
}

export async function poisonMix(good = Number(process.env['FAULT_COUNT'] ?? 3000)): Promise<Report & { scenario: string }> {
  return scenario('11 poison mixed into good traffic', 10 * 60_000, async (fleet) => {
    await Promise.all([fleet.startWorker(), fleet.startWorker()]);
    const clean = await throughput(fleet, 0, good, 0);
    const mixed = await throughput(fleet, good, good, 4); // one poison per 4 good: 20 %
    await fleet.settle();
    const poison = Math.ceil(good / 4);
    const report = await fleet.report(2 * good);
    return {
      ...report,
      lost: report.lost + report.deadLettered - poison,
      notes: `${poison} poison messages, all dead-lettered at their first receive; good throughput ${Math.round(mixed)}/s with poison vs ${Math.round(clean)}/s without (ratio ${(mixed / clean).toFixed(2)})`,
    };
  });
}

await runIfMain(import.meta.url, () => poisonMix());
