// 8. Redis paused (SIGSTOP) for 40 s under load, then resumed (SIGCONT).
// Runs by itself: `node bench/faults/08-redis-sigstop.ts` (FAULT_COUNT overrides the message count).
import { redisSigstop } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => redisSigstop());
