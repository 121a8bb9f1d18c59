// 12. A deploy: every process (2 bridges, 2 workers) replaced one at a time — new one up, old
//     one SIGTERM — while traffic flows.
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function rollingSigterm(count = faultCount(3000)): Promise<Report & { scenario: string }> {
  return scenario('12 rolling SIGTERM (deploy)', 10 * 60_000, async (fleet) => {
    const bridges = await Promise.all([fleet.startBridge(), fleet.startBridge()]);
    const workers = await Promise.all([fleet.startWorker(), fleet.startWorker()]);
    const sending = fleet.send(0, count, { rate: 200, sleepMs: 50 });
    const exits: Array<number | null> = [];
    for (const old of [...bridges, ...workers]) {
      await (bridges.includes(old) ? fleet.startBridge() : fleet.startWorker());
      old.child.kill('SIGTERM');
      exits.push((await old.exited).code);
    }
    const lastStop = Date.now();
    await sending;
    await fleet.waitForEffects(count, 5 * 60_000);
    await fleet.settle();
    return fleet.report(count, { recoveryMs: Date.now() - lastStop, notes: `4 processes replaced; exit codes ${exits.join(',')}` });
  });
}

