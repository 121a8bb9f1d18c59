// 7. Redis with AOF killed with SIGKILL under load: durable acknowledgement on vs off.
// Runs by itself: `node bench/faults/07-redis-sigkill-aof.ts` (FAULT_COUNT overrides the message count).
import { redisSigkillAof } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => redisSigkillAof());
