// 1. Baseline: 10,000 messages, no faults. `node bench/faults/01-baseline.ts`
// Runs by itself: `node bench/faults/01-baseline.ts` (FAULT_COUNT overrides the message count).
import { baseline } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => baseline());
