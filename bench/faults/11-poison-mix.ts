// 11. Poison messages mixed into good traffic: each is dead-lettered on its first receive (never
// Runs by itself: `node bench/faults/11-poison-mix.ts` (FAULT_COUNT overrides the message count).
import { poisonMix } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => poisonMix());
