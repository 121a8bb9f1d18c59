// 9. Redis at maxmemory with noeviction: adds fail, nothing is deleted from SQS, nothing is
// Runs by itself: `node bench/faults/09-redis-maxmemory.ts` (FAULT_COUNT overrides the message count).
import { redisMaxmemory } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => redisMaxmemory());
