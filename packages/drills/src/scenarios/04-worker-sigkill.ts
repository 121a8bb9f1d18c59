// 4. SIGKILL random workers every few seconds during long jobs (each job waits 1 s, then causes
//    its effect after ctx.fence()).
import type { Proc } from '@fable-jobs/testing';
import { faultCount, scenario, type Report } from '../fleet.ts';

export async function workerSigkill(count = faultCount(600)): Promise<Report & { scenario: string }> {
  return scenario('04 SIGKILL random workers during long jobs', 10 * 60_000, async (fleet) => {
    // A 4 s lock so a killed worker's jobs are handed on quickly.
    const env = { JOB_OVERRIDES: JSON.stringify({ 'system.effect': { lockDurationMs: 4000, concurrency: 10 } }) };
    await fleet.startBridge();
    let workers: Proc[] = await Promise.all([fleet.startWorker(env), fleet.startWorker(env), fleet.startWorker(env)]);
    const sending = fleet.send(0, count, { rate: 40, sleepMs: 1000 });
    let done = false;
    void sending.then(() => (done = true));
    let kills = 0;
    let lastKill = Date.now();
    while (!done || kills < 3) {
      await new Promise((r) => setTimeout(r, 3000));
      const victim = workers[Math.floor(Math.random() * workers.length)];
      if (!victim) break;
      await fleet.kill(victim, 'SIGKILL');
      lastKill = Date.now();
      kills += 1;
      workers = [...workers.filter((w) => w !== victim), await fleet.startWorker(env)];
    }
    await sending;
    await fleet.waitForEffects(count, 5 * 60_000);
    const recoveryMs = Date.now() - lastKill;
    await fleet.settle();
    return fleet.report(count, { recoveryMs, notes: `${kills} worker kills (random, every 3 s); recovery = last kill → all effects` });
  });
}

