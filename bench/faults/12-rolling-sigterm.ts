// 12. A deploy: every process (2 bridges, 2 workers) replaced one at a time — new one up, old
// Runs by itself: `node bench/faults/12-rolling-sigterm.ts` (FAULT_COUNT overrides the message count).
import { rollingSigterm } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => rollingSigterm());
