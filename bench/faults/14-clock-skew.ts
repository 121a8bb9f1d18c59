// 14. Clock skew of ±5 minutes (libfaketime) on a worker and on the API: are delayed jobs run
// Runs by itself: `node bench/faults/14-clock-skew.ts` (FAULT_COUNT overrides the message count).
import { clockSkew } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => clockSkew());
