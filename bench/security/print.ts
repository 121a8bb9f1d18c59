import type { ScenarioResult } from '@fable-jobs/security-suite';

/** Run one scenario, print its result as JSON, exit 0 when nothing got through and the controls passed. */
export async function printAndExit(run: () => Promise<ScenarioResult>): Promise<never> {
  try {
    const r = await run();
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    process.exit(r.gotThrough === 0 && r.controlPassed ? 0 : 1);
  } catch (err) {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(2);
  }
}
