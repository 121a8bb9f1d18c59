// 4. SIGKILL random workers every few seconds during long jobs (each job waits 1 s, then causes
// Runs by itself: `node bench/faults/04-worker-sigkill.ts` (FAULT_COUNT overrides the message count).
import { workerSigkill } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => workerSigkill());
