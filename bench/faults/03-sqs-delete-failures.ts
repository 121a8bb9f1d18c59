// 3. SQS delete failures and expired receipt handles: a loopback proxy in front of the emulator
// Runs by itself: `node bench/faults/03-sqs-delete-failures.ts` (FAULT_COUNT overrides the message count).
import { sqsDeleteFailures } from '@fable-jobs/drills';
import { runIfMain } from './lib/run-main.ts';

await runIfMain(import.meta.url, () => sqsDeleteFailures());
