// 5. A processor that blocks the event loop longer than the lock: its lock expires, another
// Runs by itself: `node bench/faults/05-blocked-event-loop.ts` (FAULT_COUNT overrides the message count).
import { blockedEventLoop } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => blockedEventLoop());
