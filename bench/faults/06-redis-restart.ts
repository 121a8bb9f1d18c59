// 6. Redis restart under load (AOF on, graceful restart): bridge and workers resume by themselves.
// Runs by itself: `node bench/faults/06-redis-restart.ts` (FAULT_COUNT overrides the message count).
import { redisRestart } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => redisRestart());
