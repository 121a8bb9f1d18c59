// 2. SIGKILL the bridge repeatedly while messages flow (also between add and delete).
import type { Proc } from '@fable-jobs/testing';
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function bridgeSigkill(count = faultCount(3000)): Promise<Report & { scenario: string }> {
  return scenario('02 SIGKILL bridge repeatedly', 10 * 60_000, async (fleet) => {
    await Promise.all([fleet.startWorker(), fleet.startWorker()]);
    let bridges: Proc[] = await Promise.all([fleet.startBridge(), fleet.startBridge()]);
    const sending = fleet.send(0, count, { rate: 300 });
    let kills = 0;
    let lastKill = Date.now();
    let done = false;
    void sending.then(() => (done = true));
    // Kill one bridge every ~1.5 s while traffic flows, and start a fresh one.
    while (!done || kills < 4) {
      await new Promise((r) => setTimeout(r, 1500));
      const victim = bridges[kills % bridges.length];
      if (!victim) break;
      await fleet.kill(victim, 'SIGKILL');
      lastKill = Date.now();
      kills += 1;
      bridges = [...bridges.filter((b) => b !== victim), await fleet.startBridge()];
    }
    await sending;
    await fleet.waitForEffects(count, 5 * 60_000);
    const recoveryMs = Date.now() - lastKill;
    await fleet.settle(); // redeliveries of killed bridges' batches have run (or been recognised)
    return fleet.report(count, { recoveryMs, notes: `${kills} bridge kills; recovery = last kill → all effects` });
  });
}

