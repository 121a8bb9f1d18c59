// 2. SIGKILL the bridge repeatedly while messages flow (also between add and delete).
// Runs by itself: `node bench/faults/02-bridge-sigkill.ts` (FAULT_COUNT overrides the message count).
import { bridgeSigkill } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => bridgeSigkill());
