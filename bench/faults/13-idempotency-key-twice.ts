// 13. The producer sends the same idempotency key twice with new MessageIds (at once, and late).
// Runs by itself: `node bench/faults/13-idempotency-key-twice.ts` (FAULT_COUNT overrides the message count).
import { idempotencyTwice } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => idempotencyTwice());
