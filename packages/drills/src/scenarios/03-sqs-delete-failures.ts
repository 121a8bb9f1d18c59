// 3. SQS delete failures and expired receipt handles: a loopback proxy in front of the emulator
//    fails 20 % of DeleteMessageBatch calls and holds another 10 % past the visibility timeout.
import { faultCount, scenario, type Report } from '../fleet.ts';
import { startSqsProxy, type SqsProxy } from '../sqs-proxy.ts';

export async function sqsDeleteFailures(count = faultCount(2000)): Promise<Report & { scenario: string }> {
  let proxy: SqsProxy | undefined;
  try {
    return await scenario(
      '03 SQS delete failures, expired receipts',
      10 * 60_000,
      async (fleet) => {
        await Promise.all([fleet.startBridge({ BRIDGE_VISIBILITY_TIMEOUT_SECONDS: '5', BRIDGE_HEARTBEAT_SECONDS: '2' }), fleet.startWorker()]);
        const p = proxy as SqsProxy;
        p.delayMs = 7000; // longer than the 5 s visibility: the receipt handle has expired
        p.rule = (t) => (t !== 'AmazonSQS.DeleteMessageBatch' ? 'pass' : Math.random() < 0.2 ? 'fail' : Math.random() < 0.125 ? 'delay' : 'pass');
        const t0 = Date.now();
        await fleet.send(0, count, { rate: 400 });
        await fleet.waitForEffects(count, 5 * 60_000);
        p.rule = () => 'pass';
        await fleet.settle();
        return fleet.report(count, { recoveryMs: Date.now() - t0, notes: `${p.stats.deletesFailed} delete calls failed, ${p.stats.deletesDelayed} held past the visibility timeout` });
      },
      {
        sqsEndpoint: async (emulator) => {
          proxy = await startSqsProxy(emulator);
          return proxy.endpoint;
        },
      },
    );
  } finally {
    await proxy?.close();
  }
}

