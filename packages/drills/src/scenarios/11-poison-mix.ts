// 11. Poison messages mixed into good traffic: each is dead-lettered on its first receive (never
//     retried in a loop) and good-message throughput is unchanged (ratio with vs without poison).
import { encodeMessage } from '@fable-jobs/contracts';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { preload } from '../emulator.ts';
import { faultCount, scenario, type Fleet, type Report } from '../fleet.ts';

/** Reads the DLQ (leaves the messages in flight; the fleet is torn down right after). */
class SqsFixtureReader {
  readonly #fleet: Fleet;
  constructor(fleet: Fleet) {
    this.#fleet = fleet;
  }
  async receiveCounts(): Promise<number[]> {
    const counts: number[] = [];
    for (;;) {
      const r = await this.#fleet.emulator.sqs.send(new ReceiveMessageCommand({ QueueUrl: this.#fleet.dlqUrl, MaxNumberOfMessages: 10, VisibilityTimeout: 300, MessageAttributeNames: ['All'] }));
      if (!r.Messages?.length) return counts;
      for (const m of r.Messages) counts.push(Number(JSON.parse(m.MessageAttributes?.['fable_dlq']?.StringValue ?? '{}').receiveCount ?? 0));
    }
  }
}

async function throughput(fleet: Fleet, from: number, good: number, poisonEvery: number): Promise<number> {
  const messages = [];
  for (let i = 0; i < good; i++) {
    messages.push(encodeMessage('SYSTEM_EFFECT', 'legacy', { effectKey: fleet.key(from + i) }));
    if (poisonEvery && i % poisonEvery === 0) messages.push(i % 2 ? { body: '{"type":"NF",', attributes: {} } : encodeMessage('NF', 'legacy', { eventName: 'NOT_A_THING' }));
  }
  await preload(fleet.emulator.sqs, fleet.queueUrl, messages);
  const bridge = await fleet.startBridge();
  // From the first effect of this batch to the last: process start-up is not in the figure.
  let first = 0;
  for (;;) {
    const n = (await fleet.effectCount()) - from;
    if (n > 0 && !first) first = Date.now();
    if (n >= good) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const rate = (good - 1) / ((Date.now() - first) / 1000);
  await fleet.kill(bridge, 'SIGTERM');
  return rate;
}

export async function poisonMix(good = faultCount(3000)): Promise<Report & { scenario: string }> {
  return scenario('11 poison mixed into good traffic', 10 * 60_000, async (fleet) => {
    await Promise.all([fleet.startWorker(), fleet.startWorker()]);
    const clean = await throughput(fleet, 0, good, 0);
    const mixed = await throughput(fleet, good, good, 4); // one poison per 4 good: 20 %
    await fleet.settle();
    const poison = Math.ceil(good / 4);
    const report = await fleet.report(2 * good);
    // Each dead letter says at which receive the bridge gave up on it.
    const dead = await new SqsFixtureReader(fleet).receiveCounts();
    const atFirst = dead.filter((n) => n === 1).length;
    return {
      ...report,
      sent: 2 * good + poison,
      lost: 2 * good - report.distinct, // good messages without an effect (poison is expected in the DLQ)
      notes: `${poison} poison messages; ${atFirst} of ${dead.length} dead letters at their first receive; good throughput ${Math.round(mixed)}/s with poison vs ${Math.round(clean)}/s without (ratio ${(mixed / clean).toFixed(2)})`,
    };
  });
}

